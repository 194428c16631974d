import asyncio

from service.llm.client import client
from service.llm.llm_timeouts import LLM_TIMEOUT_SECONDS


async def summarise(text: str) -> str:
    response = await asyncio.wait_for(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": text}],
        ),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content or ""
