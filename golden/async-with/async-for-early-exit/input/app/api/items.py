from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import get_async_session

router = APIRouter()


@router.get("/items/{item_id}")
async def read_item(item_id: int, db: AsyncSession = Depends(get_async_session)):
    return await db.get(dict, item_id)
