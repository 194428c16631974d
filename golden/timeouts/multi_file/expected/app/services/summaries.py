import asyncio

from app.llm_timeouts import LLM_TIMEOUT_SECONDS

from ..clients import claude, llm_client


async def summarise(text: str) -> str:
    response = await asyncio.wait_for(
        llm_client.responses.create(model="gpt-4o-mini", input=text),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.output_text


async def critique(text: str) -> str:
    message = await claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=256, messages=[])
    return message.content[0].text
