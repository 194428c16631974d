from fastapi import APIRouter
from pydantic import BaseModel

from ..database import DatabaseDep
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
    *,
    session: DatabaseDep,
) -> Page[dict]:
    rows = await session.execute(select_messages(conversation_id, limit + 1))
    return paginate([dict(row._mapping) for row in rows], limit)


@router.get("/conversations/{conversation_id}/title")
async def read_title(conversation_id: ConversationId, session: DatabaseDep) -> dict:
    conversation = await session.get(Conversation, conversation_id)
    return {"title": f"{conversation.meta["title"]} ({
        conversation.model
    })"}
