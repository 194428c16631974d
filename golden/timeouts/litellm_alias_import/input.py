from litellm import acompletion as complete
from litellm import aembedding


async def reply(messages: list[dict]) -> str:
    response = await complete(model="gpt-4o-mini", messages=messages)
    return response.choices[0].message.content


async def vector(text: str) -> list[float]:
    response = await aembedding(model="text-embedding-3-small", input=[text])
    return response.data[0]["embedding"]


async def complete_locally(prompt: str) -> str:
    # a project function that merely shares a name with litellm's: not an LLM call
    return await completion(prompt)


async def completion(prompt: str) -> str:
    return prompt
