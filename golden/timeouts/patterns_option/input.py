from mycorp.llm import Client, quick_answer
from mycorp.search import Index

llm = Client(region="eu")


async def answer(question: str, index: Index) -> str:
    context = await index.generate(question)
    draft = await llm.generate(question, context=context)
    quick = await quick_answer(question)
    return draft + quick


def answer_now(question: str) -> str:
    return llm.generate(question)
