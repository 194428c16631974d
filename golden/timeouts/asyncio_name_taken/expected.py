import asyncio

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()


async def reply(text: str, asyncio: bool = False) -> str:
    # the parameter `asyncio` would hide the module: left for a person
    response = await client.responses.create(model="m", input=text)
    return response.output_text


async def other(text: str) -> str:
    response = await asyncio.wait_for(
        client.responses.create(model="m", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.output_text
