import asyncio

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 45.0

client = AsyncOpenAI()


async def reply(text: str) -> str:
    response = await asyncio.wait_for(
        client.responses.create(model="m", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    await asyncio.sleep(0)
    return response.output_text
