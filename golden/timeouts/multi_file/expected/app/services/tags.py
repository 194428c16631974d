import asyncio

from app import clients
from app.llm_timeouts import LLM_TIMEOUT_SECONDS


async def tag(texts: list[str]) -> list[str]:
    responses = await asyncio.gather(*(asyncio.wait_for(clients.llm_client.responses.create(model="m", input=t), timeout=LLM_TIMEOUT_SECONDS) for t in texts))
    return [response.output_text for response in responses]
