import asyncio

import litellm
import litellm as llm

LLM_TIMEOUT_SECONDS = 120.0


async def reply(messages: list[dict]) -> str:
    response = await asyncio.wait_for(
        litellm.acompletion(model="gpt-4o-mini", messages=messages),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content


async def legacy(prompt: str) -> str:
    response = await asyncio.wait_for(
        llm.atext_completion(model="gpt-3.5-turbo-instruct", prompt=prompt),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].text


async def routed(messages: list[dict]) -> str:
    router = litellm.Router(model_list=[])
    response = await asyncio.wait_for(
        router.acompletion(model="gpt-4o-mini", messages=messages),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.choices[0].message.content
