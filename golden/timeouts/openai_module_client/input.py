"""Summaries of support tickets."""

from __future__ import annotations

import json
import logging

from openai import AsyncOpenAI

logger = logging.getLogger(__name__)
client = AsyncOpenAI()


async def summarise(ticket: dict) -> str:
    response = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": json.dumps(ticket)}],
    )
    return response.choices[0].message.content


async def embed(text: str) -> list[float]:
    result = await client.embeddings.create(model="text-embedding-3-small", input=text)
    return result.data[0].embedding


async def complete(prompt: str) -> str:
    legacy = await client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt)
    answer = await client.responses.create(model="gpt-4o", input=prompt)
    return legacy.choices[0].text + answer.output_text
