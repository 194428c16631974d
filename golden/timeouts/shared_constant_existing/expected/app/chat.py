import asyncio

from openai import AsyncOpenAI

from app.limits import LLM_TIMEOUT_SECONDS

client = AsyncOpenAI()


async def reply(text: str) -> str:
    response = await asyncio.wait_for(
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content
