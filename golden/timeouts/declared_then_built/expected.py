"""Clients declared as `X | None = None` and built later: the builder decides the time limit."""

import asyncio

import openai
from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0


def create_client(base_url: str, bounded: bool):
    if bounded:
        return AsyncOpenAI(base_url=base_url, timeout=30), base_url
    return AsyncOpenAI(base_url=base_url, timeout=60.0), base_url


def create_unbounded(base_url: str):
    return AsyncOpenAI(base_url=base_url), base_url


class BoundedAgent:
    def __init__(self) -> None:
        self._client: openai.AsyncOpenAI | None = None

    def start(self, base_url: str) -> None:
        self._client, _ = create_client(base_url, bounded=True)

    async def ask(self, prompt: str) -> str:
        # every client this attribute ever holds was built with a timeout: left alone
        response = await self._client.chat.completions.create(model="m", messages=[])
        return response.choices[0].message.content


class UnboundedAgent:
    def __init__(self) -> None:
        self._client: openai.AsyncOpenAI | None = None

    def start(self, base_url: str) -> None:
        self._client, _ = create_unbounded(base_url)

    async def ask(self, prompt: str) -> str:
        response = await asyncio.wait_for(
            self._client.chat.completions.create(model="m", messages=[]),
            timeout=LLM_TIMEOUT_SECONDS,
        )
        return response.choices[0].message.content


class LazyEmbeddings:
    def __init__(self, api_key: str | None) -> None:
        self._client = None
        if api_key:
            self._client = AsyncOpenAI(api_key=api_key)

    async def embed(self, text: str) -> list[float]:
        if not self._client:
            return []
        response = await asyncio.wait_for(
            self._client.embeddings.create(model="e", input=text),
            timeout=LLM_TIMEOUT_SECONDS,
        )
        return response.data[0].embedding
