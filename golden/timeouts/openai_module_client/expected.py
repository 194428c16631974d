"""Summaries of support tickets."""

from __future__ import annotations

import asyncio
import json
import logging

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

logger = logging.getLogger(__name__)
client = AsyncOpenAI()


async def summarise(ticket: dict) -> str:
    response = await asyncio.wait_for(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": json.dumps(ticket)}],
        ),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content


async def embed(text: str) -> list[float]:
    result = await asyncio.wait_for(
        client.embeddings.create(model="text-embedding-3-small", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return result.data[0].embedding


async def complete(prompt: str) -> str:
    legacy = await asyncio.wait_for(
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    answer = await asyncio.wait_for(
        client.responses.create(model="gpt-4o", input=prompt),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return legacy.choices[0].text + answer.output_text
