import httpx
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

client = AsyncOpenAI(timeout=httpx.Timeout(30.0, connect=5.0))


class Writer:
    def __init__(self) -> None:
        self.claude = AsyncAnthropic(timeout=60)

    async def write(self, topic: str) -> str:
        message = await self.claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=256, messages=[])
        return message.content[0].text


async def reply(text: str) -> str:
    response = await client.responses.create(model="m", input=text)
    quick = await AsyncOpenAI().with_options(timeout=5).responses.create(model="m", input=text)
    return response.output_text + quick.output_text


unlimited = AsyncOpenAI(timeout=None)


async def batch(text: str) -> str:
    response = await unlimited.responses.create(model="m", input=text)
    return response.output_text
