import asyncio

from app import clients


async def tag(texts: list[str]) -> list[str]:
    responses = await asyncio.gather(*(clients.llm_client.responses.create(model="m", input=t) for t in texts))
    return [response.output_text for response in responses]
