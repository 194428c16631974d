# Copyright header: kept as it is.
"""Calls like `client.chat.completions.create(...)` in this docstring are text, not code."""

import asyncio

from openai import AsyncOpenAI  # the async client

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()


async def reply(text: str) -> str:
    """Reply to `text` with `await client.responses.create(...)` (docstring: left alone)."""
    # ask the model
    response = await asyncio.wait_for(
        client.chat.completions.create(  # one request
            # which model
            model='gpt-4o-mini',
            messages=[
                {'role': 'user', 'content': text},  # the question
            ],
        ),
        timeout=LLM_TIMEOUT_SECONDS,
    )  # done
    # await client.responses.create(model="m", input=text) -- commented-out code stays
    return response.choices[0].message.content
