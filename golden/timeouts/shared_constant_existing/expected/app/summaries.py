import asyncio

import litellm

from app.limits import LLM_TIMEOUT_SECONDS


async def summarise(text: str) -> str:
    response = await asyncio.wait_for(
        litellm.acompletion(model="gpt-4o", messages=[{"role": "user", "content": text}]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content
