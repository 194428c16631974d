from anthropic import AsyncAnthropic
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI

client = AsyncOpenAI()
claude = AsyncAnthropic()
llm = ChatOpenAI(model="gpt-4o-mini")


async def chat(text: str):
    stream = await client.chat.completions.create(model="m", messages=[], stream=True)
    async for chunk in stream:
        yield chunk


async def chat_claude(text: str):
    async with claude.messages.stream(model="m", max_tokens=10, messages=[]) as stream:
        async for event in stream:
            yield event


async def chat_langchain(text: str):
    async for chunk in llm.astream(text):
        yield chunk
