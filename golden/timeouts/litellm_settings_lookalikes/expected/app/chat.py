import asyncio

from litellm import acompletion

LLM_TIMEOUT_SECONDS = 120.0


async def answer(question: str) -> str:
    response = await asyncio.wait_for(
        acompletion(model="gpt-4o-mini", messages=[{"role": "user", "content": question}]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content
