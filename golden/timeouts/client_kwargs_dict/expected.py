import asyncio
from typing import Any

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0


def make_client(base_url: str | None) -> AsyncOpenAI:
    # the timeout is in the dict the client is built from: calls on it are already bounded
    kwargs: dict[str, Any] = {"max_retries": 5, "timeout": 60.0}
    if base_url:
        kwargs["base_url"] = base_url
    return AsyncOpenAI(**kwargs)


def make_unbounded_client(base_url: str) -> AsyncOpenAI:
    options = {"max_retries": 5}
    options["base_url"] = base_url
    return AsyncOpenAI(**options)


async def ask(question: str) -> str:
    client = make_client(None)
    response = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])
    return response.choices[0].message.content


async def ask_unbounded(question: str) -> str:
    client = make_unbounded_client("http://llm")
    response = await asyncio.wait_for(
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content
