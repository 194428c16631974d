from typing import Annotated, Optional

import openai
from fastapi import Depends


def get_openai() -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI()


OpenAIDep = Annotated[openai.AsyncOpenAI, Depends(get_openai)]


async def title(client: openai.AsyncOpenAI, text: str) -> str:
    response = await client.chat.completions.create(model="gpt-4o-mini", messages=[])
    return response.choices[0].message.content


async def tags(text: str, client: OpenAIDep) -> str:
    response = await client.responses.create(model="gpt-4o-mini", input=text)
    return response.output_text


async def maybe(text: str, client: Optional[openai.AsyncOpenAI] = None) -> str:
    client = client or openai.AsyncOpenAI()
    response = await client.responses.create(model="gpt-4o-mini", input=text)
    return response.output_text


async def quoted(text: str, client: "openai.AsyncOpenAI | None" = None) -> None:
    await client.embeddings.create(model="text-embedding-3-small", input=text)
