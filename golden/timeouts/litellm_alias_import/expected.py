import asyncio

from litellm import acompletion as complete
from litellm import aembedding

LLM_TIMEOUT_SECONDS = 120.0


async def reply(messages: list[dict]) -> str:
    response = await asyncio.wait_for(
        complete(model="gpt-4o-mini", messages=messages),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content


async def vector(text: str) -> list[float]:
    response = await asyncio.wait_for(
        aembedding(model="text-embedding-3-small", input=[text]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.data[0]["embedding"]


async def complete_locally(prompt: str) -> str:
    # a project function that merely shares a name with litellm's: not an LLM call
    return await completion(prompt)


async def completion(prompt: str) -> str:
    return prompt
