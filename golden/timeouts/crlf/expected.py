import asyncio

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()


async def reply(text: str) -> str:
    response = await asyncio.wait_for(
        client.responses.create(
            model="m",
            input=text,
        ),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.output_text
