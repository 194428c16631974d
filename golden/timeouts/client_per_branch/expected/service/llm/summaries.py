import asyncio

from .client import client

LLM_TIMEOUT_SECONDS = 120.0


async def summarise(text: str) -> str:
    response = await asyncio.wait_for(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": text}],
        ),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content or ""
