import asyncio

from langchain_core.language_models import BaseChatModel
from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncOpenAI()


async def reply(text: str, **options) -> str:
    # whatever the caller spreads in, wait_for bounds the call from outside
    response = await client.responses.create(model="m", input=text, **options)
    return response.output_text


async def complete(messages: list) -> str:
    params = {"model": "m", "messages": messages}
    params["temperature"] = 0.2
    response = await asyncio.wait_for(
        client.chat.completions.create(**params),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content


async def streamed(messages: list):
    params = {"model": "m", "messages": messages}
    params["stream"] = True
    return await client.chat.completions.create(**params)


async def bounded(messages: list) -> str:
    response = await client.chat.completions.create(**{"model": "m", "messages": messages, "timeout": 30})
    return response.choices[0].message.content


async def unbounded_on_purpose(messages: list) -> str:
    params = dict(model="m", messages=messages, timeout=None)
    response = await client.chat.completions.create(**params)
    return response.choices[0].message.content


def request_options() -> dict:
    return {"timeout": 30}


async def spread_from_a_call(messages: list) -> str:
    response = await client.chat.completions.create(model="m", messages=messages, **request_options())
    return response.choices[0].message.content


async def merged(messages: list, **extra) -> str:
    # the function's own request configuration, merged: wait_for bounds it from outside, and a
    # timeout inside the dict cannot clash with it
    params = {"model": "m", "messages": messages, **extra}
    response = await asyncio.wait_for(
        client.chat.completions.create(**params),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content


class ChatAdapter(BaseChatModel):
    # a LangChain model adapter: the framework's caller passes the per-call arguments and owns
    # the bound (review)
    async def _agenerate(self, messages: list, **kwargs) -> str:
        call_kwargs = {**self.model_kwargs, **kwargs}
        response = await client.chat.completions.create(model="m", messages=messages, **call_kwargs)
        return response.choices[0].message.content


async def merged_with_its_timeout(messages: list, timeout: float = 60, **kwargs) -> str:
    # merged, but the keys it shows are there whatever the merge adds: its own timeout (skipped)
    payload = {"model": "m", "messages": messages, "timeout": timeout, **kwargs}
    response = await client.chat.completions.create(**payload)
    return response.choices[0].message.content
