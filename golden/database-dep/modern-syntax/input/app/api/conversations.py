from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from ..database import get_db_session
from ..models import Conversation, select_messages

router = APIRouter()

type ConversationId = int


class Page[T](BaseModel):
    items: list[T]
    next_cursor: str | None = None


def paginate[T](items: list[T], limit: int) -> Page[T]:
    cursor = f"{items[-1]["id"]}" if len(items) > limit else None
    return Page(items=items[:limit], next_cursor=cursor)


@router.get("/conversations/{conversation_id}/messages")
async def list_messages(
    conversation_id: ConversationId,
    limit: int = 50,  # page size
    session: AsyncSession = Depends(get_db_session),
) -> Page[dict]:
    rows = await session.execute(select_messages(conversation_id, limit + 1))
    return paginate([dict(row._mapping) for row in rows], limit)


@router.get("/conversations/{conversation_id}/title")
async def read_title(conversation_id: ConversationId, session: AsyncSession = Depends(get_db_session)) -> dict:
    conversation = await session.get(Conversation, conversation_id)
    return {"title": f"{conversation.meta["title"]} ({
        conversation.model
    })"}
