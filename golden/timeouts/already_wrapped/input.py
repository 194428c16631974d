import asyncio

import anyio
from openai import AsyncOpenAI

client = AsyncOpenAI()


async def with_wait_for(text: str) -> str:
    response = await asyncio.wait_for(client.responses.create(model="m", input=text), timeout=30)
    return response.output_text


async def with_timeout_block(text: str) -> str:
    async with asyncio.timeout(30):
        response = await client.responses.create(model="m", input=text)
    return response.output_text


async def with_anyio(text: str) -> str:
    with anyio.fail_after(30):
        response = await client.responses.create(model="m", input=text)
    return response.output_text
