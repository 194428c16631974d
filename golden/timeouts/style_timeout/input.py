import asyncio

from openai import AsyncOpenAI

client = AsyncOpenAI()


async def summarise(text: str) -> str:
    # one request, bounded as a block
    response = await client.responses.create(
        model="gpt-4o-mini",
        input=text,
    )
    await client.embeddings.create(model="m", input=text)  # warm the cache
    if not response.output_text:
        return await client.responses.create(model="gpt-4o", input=text)
    return response.output_text


async def title(text: str) -> str:
    # not a whole statement: falls back to wait_for
    first = (await client.responses.create(model="m", input=text)).output_text
    both = await asyncio.gather(client.responses.create(model="m", input=first))
    return both[0].output_text
