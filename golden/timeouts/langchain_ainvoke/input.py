from langchain_anthropic import ChatAnthropic
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI
from pydantic import BaseModel


class Verdict(BaseModel):
    spam: bool


llm = ChatOpenAI(model="gpt-4o-mini")
prompt = ChatPromptTemplate.from_messages([("user", "{text}")])


async def reply(text: str) -> str:
    messages = await prompt.ainvoke({"text": text})
    answer = await llm.ainvoke(messages)
    return answer.content


async def judge(text: str) -> Verdict:
    return await llm.with_structured_output(Verdict).ainvoke(text)


async def second_opinion(text: str) -> str:
    claude = ChatAnthropic(model="claude-3-5-haiku-latest")
    answer = await claude.ainvoke(text)
    return answer.content
