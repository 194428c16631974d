from openai import AsyncOpenAI

client = AsyncOpenAI()


async def reply(text: str, **options) -> str:
    response = await client.responses.create(model="m", input=text, **options)
    return response.output_text
