import asyncio as aio

from openai import AsyncOpenAI

client = AsyncOpenAI()


async def reply(text: str) -> str:
    response = await client.responses.create(model="m", input=text)
    await aio.sleep(0)
    return response.output_text
