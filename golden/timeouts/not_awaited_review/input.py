from openai import AsyncOpenAI

client = AsyncOpenAI()


def start(text: str):
    # returns the coroutine: the caller awaits it
    return client.responses.create(model="m", input=text)


async def later(text: str) -> str:
    pending = client.responses.create(model="m", input=text)
    response = await pending
    return response.output_text
