from openai import AsyncOpenAI

client = AsyncOpenAI()


async def reply(text: str) -> str:
    response = await client.responses.create(
        model="m",
        input=text,
    )
    return response.output_text
