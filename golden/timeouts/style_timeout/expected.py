import asyncio

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()


async def summarise(text: str) -> str:
    # one request, bounded as a block
    async with asyncio.timeout(LLM_TIMEOUT_SECONDS):
        response = await client.responses.create(
            model="gpt-4o-mini",
            input=text,
        )
    async with asyncio.timeout(LLM_TIMEOUT_SECONDS):
        await client.embeddings.create(model="m", input=text)  # warm the cache
    if not response.output_text:
        async with asyncio.timeout(LLM_TIMEOUT_SECONDS):
            return await client.responses.create(model="gpt-4o", input=text)
    return response.output_text


async def title(text: str) -> str:
    # not a whole statement: falls back to wait_for
    first = (await asyncio.wait_for(client.responses.create(model="m", input=text), timeout=LLM_TIMEOUT_SECONDS)).output_text
    both = await asyncio.gather(asyncio.wait_for(client.responses.create(model="m", input=first), timeout=LLM_TIMEOUT_SECONDS))
    return both[0].output_text
