import asyncio

import anthropic
from anthropic import AsyncAnthropic

LLM_TIMEOUT_SECONDS = 120.0


async def answer(question: str) -> str:
    claude = AsyncAnthropic()
    message = await asyncio.wait_for(
        claude.messages.create(
            model="claude-3-5-sonnet-latest",
            max_tokens=1024,
            messages=[{"role": "user", "content": question}],
        ),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return message.content[0].text


async def draft(question: str) -> str:
    async with anthropic.AsyncAnthropic() as client:
        message = await asyncio.wait_for(
            client.messages.create(model="claude-3-5-haiku-latest", max_tokens=256, messages=[]),
            timeout=LLM_TIMEOUT_SECONDS,
        )
    return message.content[0].text
