"""Chat replies for the support bot."""

import asyncio
from dataclasses import dataclass

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()

type Message = dict[str, str]
type History = list[Message]


@dataclass
class Reply[T]:
    content: T
    model: str


def first[T](items: list[T]) -> T | None:
    return items[0] if items else None


async def reply(user: dict[str, str], history: History) -> Reply[str]:
    # the system prompt names the user
    prompt = f"You are helping {user["name"]} ({user["plan"]} plan)."
    response = await asyncio.wait_for(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "system", "content": prompt}, *history],
        ),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    choice = first(response.choices)
    text = choice.message.content if choice else ""
    return Reply(content=f"{
        text.strip()
    }", model=response.model)
