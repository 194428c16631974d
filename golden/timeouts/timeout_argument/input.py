import litellm
from openai import AsyncOpenAI

client = AsyncOpenAI()


async def reply(text: str) -> str:
    response = await client.responses.create(model="m", input=text, timeout=20.0)
    return response.output_text


async def routed(messages: list[dict]) -> str:
    response = await litellm.acompletion(model="m", messages=messages, timeout=30)
    return response.choices[0].message.content


async def unlimited(text: str) -> str:
    # timeout=None turns the SDK's own limit off: a person decides
    response = await client.responses.create(model="m", input=text, timeout=None)
    return response.output_text
