import asyncio

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()


async def compare(question: str) -> list[str]:
    fast, slow = await asyncio.gather(
        asyncio.wait_for(
            client.responses.create(model="gpt-4o-mini", input=question),
            timeout=LLM_TIMEOUT_SECONDS,
        ),
        asyncio.wait_for(
            client.responses.create(
                model="gpt-4o",
                input=question,
            ),
            timeout=LLM_TIMEOUT_SECONDS,
        ),
        return_exceptions=True,
    )
    return [fast.output_text, slow.output_text]


async def translate_all(texts: list[str]) -> list[str]:
    results = await asyncio.gather(*[asyncio.wait_for(client.responses.create(model="m", input=t), timeout=LLM_TIMEOUT_SECONDS) for t in texts])
    return [result.output_text for result in results]


async def in_background(text: str) -> None:
    task = asyncio.create_task(asyncio.wait_for(client.responses.create(model="gpt-4o-mini", input=text), timeout=LLM_TIMEOUT_SECONDS))
    await task
