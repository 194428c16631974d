import asyncio
import logging

from openai import AsyncOpenAI

from app.config import settings
from app.models import Ticket

logger = logging.getLogger(__name__)
client = AsyncOpenAI()


async def summarise(ticket: Ticket) -> str:
    response = await asyncio.wait_for(
        client.responses.create(model="gpt-4o-mini", input=ticket.body),
        timeout=settings.LLM_TIMEOUT_SECONDS,
    )
    return response.output_text
