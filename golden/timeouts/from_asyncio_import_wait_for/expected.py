from asyncio import gather, wait_for

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()


async def reply(text: str) -> str:
    first = await wait_for(client.responses.create(model="m", input=text), 10)
    second = await wait_for(
        client.responses.create(model="m", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    both = await gather(wait_for(client.responses.create(model="m", input="a"), timeout=LLM_TIMEOUT_SECONDS))
    return first.output_text + second.output_text + both[0].output_text
