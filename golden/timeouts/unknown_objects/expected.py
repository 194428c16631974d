"""Mentions openai, but nothing here is an LLM client."""

from app.repositories import MessageRepository


async def post(repo: MessageRepository, body: str) -> None:
    await repo.messages.create(body=body)


async def execute(tool, query: str) -> str:
    return await tool.run(query)


async def chat(service, text: str) -> str:
    return await service.chat.completions.create(text)
