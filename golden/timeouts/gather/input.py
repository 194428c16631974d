import asyncio

from openai import AsyncOpenAI

client = AsyncOpenAI()


async def compare(question: str) -> list[str]:
    fast, slow = await asyncio.gather(
        client.responses.create(model="gpt-4o-mini", input=question),
        client.responses.create(
            model="gpt-4o",
            input=question,
        ),
        return_exceptions=True,
    )
    return [fast.output_text, slow.output_text]


async def translate_all(texts: list[str]) -> list[str]:
    results = await asyncio.gather(*[client.responses.create(model="m", input=t) for t in texts])
    return [result.output_text for result in results]


async def in_background(text: str) -> None:
    task = asyncio.create_task(client.responses.create(model="gpt-4o-mini", input=text))
    await task
