import logging

from openai import AsyncOpenAI

from app.models import Ticket

logger = logging.getLogger(__name__)
client = AsyncOpenAI()


async def summarise(ticket: Ticket) -> str:
    response = await client.responses.create(model="gpt-4o-mini", input=ticket.body)
    return response.output_text
