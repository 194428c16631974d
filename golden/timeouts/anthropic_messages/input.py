import anthropic
from anthropic import AsyncAnthropic


async def answer(question: str) -> str:
    claude = AsyncAnthropic()
    message = await claude.messages.create(
        model="claude-3-5-sonnet-latest",
        max_tokens=1024,
        messages=[{"role": "user", "content": question}],
    )
    return message.content[0].text


async def draft(question: str) -> str:
    async with anthropic.AsyncAnthropic() as client:
        message = await client.messages.create(model="claude-3-5-haiku-latest", max_tokens=256, messages=[])
    return message.content[0].text
