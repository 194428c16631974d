from asyncio import gather, wait_for

from openai import AsyncOpenAI

client = AsyncOpenAI()


async def reply(text: str) -> str:
    first = await wait_for(client.responses.create(model="m", input=text), 10)
    second = await client.responses.create(model="m", input=text)
    both = await gather(client.responses.create(model="m", input="a"))
    return first.output_text + second.output_text + both[0].output_text
