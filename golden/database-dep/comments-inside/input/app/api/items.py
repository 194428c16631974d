from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession  # the session type

from ..database import get_session

router = APIRouter()


@router.get("/items")
async def list_items(
    limit: int = 10,  # a page
    session: AsyncSession = Depends(  # why: one session per request
        get_session  # the project's dependency
    ),
):
    return []


@router.get("/items/{item_id}")
async def read_item(item_id: int, session: AsyncSession = Depends(get_session)):  # one line
    return item_id
