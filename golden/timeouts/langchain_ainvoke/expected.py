import asyncio

from langchain_anthropic import ChatAnthropic
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

LLM_TIMEOUT_SECONDS = 120.0


class Verdict(BaseModel):
    spam: bool


llm = ChatOpenAI(model="gpt-4o-mini")
prompt = ChatPromptTemplate.from_messages([("user", "{text}")])


async def reply(text: str) -> str:
    messages = await prompt.ainvoke({"text": text})
    answer = await asyncio.wait_for(llm.ainvoke(messages), timeout=LLM_TIMEOUT_SECONDS)
    return answer.content


async def judge(text: str) -> Verdict:
    return await asyncio.wait_for(
        llm.with_structured_output(Verdict).ainvoke(text),
        timeout=LLM_TIMEOUT_SECONDS,
    )


async def second_opinion(text: str) -> str:
    claude = ChatAnthropic(model="claude-3-5-haiku-latest")
    answer = await asyncio.wait_for(claude.ainvoke(text), timeout=LLM_TIMEOUT_SECONDS)
    return answer.content
