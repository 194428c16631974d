from openai import AsyncOpenAI

client = AsyncOpenAI()


async def reply(text: str, asyncio: bool = False) -> str:
    # the parameter `asyncio` would hide the module: left for a person
    response = await client.responses.create(model="m", input=text)
    return response.output_text


async def other(text: str) -> str:
    response = await client.responses.create(model="m", input=text)
    return response.output_text
