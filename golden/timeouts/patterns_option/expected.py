import asyncio

from mycorp.llm import Client, quick_answer
from mycorp.search import Index

LLM_TIMEOUT_SECONDS = 120.0

llm = Client(region="eu")


async def answer(question: str, index: Index) -> str:
    context = await index.generate(question)
    draft = await asyncio.wait_for(
        llm.generate(question, context=context),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    quick = await asyncio.wait_for(quick_answer(question), timeout=LLM_TIMEOUT_SECONDS)
    return draft + quick


def answer_now(question: str) -> str:
    return llm.generate(question)
