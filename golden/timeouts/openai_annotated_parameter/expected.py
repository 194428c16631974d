import asyncio
from typing import Annotated, Optional

import openai
from fastapi import Depends

LLM_TIMEOUT_SECONDS = 120.0


def get_openai() -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI()


OpenAIDep = Annotated[openai.AsyncOpenAI, Depends(get_openai)]


async def title(client: openai.AsyncOpenAI, text: str) -> str:
    response = await asyncio.wait_for(
        client.chat.completions.create(model="gpt-4o-mini", messages=[]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content


async def tags(text: str, client: OpenAIDep) -> str:
    response = await asyncio.wait_for(
        client.responses.create(model="gpt-4o-mini", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.output_text


async def maybe(text: str, client: Optional[openai.AsyncOpenAI] = None) -> str:
    client = client or openai.AsyncOpenAI()
    response = await asyncio.wait_for(
        client.responses.create(model="gpt-4o-mini", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.output_text


async def quoted(text: str, client: "openai.AsyncOpenAI | None" = None) -> None:
    await asyncio.wait_for(
        client.embeddings.create(model="text-embedding-3-small", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
