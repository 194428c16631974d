from openai import AsyncOpenAI

client = AsyncOpenAI()


async def reply(text: str) -> str:
    response = await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return response.choices[0].message.content
