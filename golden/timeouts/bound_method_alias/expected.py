"""A client's request method held under another name, then called."""

import asyncio

import instructor
import litellm
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()
complete = client.chat.completions.create
bounded = AsyncOpenAI(timeout=30).chat.completions.create


async def summarise(text: str) -> str:
    # the alias of an SDK request without a time limit: bounded
    response = await asyncio.wait_for(
        complete(model="gpt-4o", messages=[{"role": "user", "content": text}]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content


async def bounded_summary(text: str) -> str:
    # the client has a time limit: left alone
    response = await bounded(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return response.choices[0].message.content


class LitellmAdapter:
    def __init__(self) -> None:
        self.aclient = instructor.from_litellm(litellm.acompletion)


class AnthropicAdapter(LitellmAdapter):
    def __init__(self) -> None:
        super().__init__()
        # replaces what the base set: only the Anthropic request is ever called
        self.aclient = instructor.patch(create=AsyncAnthropic().messages.create)

    async def extract(self, text: str, model: type) -> object:
        return await asyncio.wait_for(
            self.aclient(model="claude", max_tokens=512, messages=[], response_model=model),
            timeout=LLM_TIMEOUT_SECONDS,
        )


class SetTooEarly(LitellmAdapter):
    def __init__(self) -> None:
        self.aclient = instructor.patch(create=AsyncAnthropic().messages.create)
        super().__init__()  # the base's value wins: a litellm function, not called this way

    async def extract(self, text: str, model: type) -> object:
        return await self.aclient(model="claude", max_tokens=512, messages=[], response_model=model)
