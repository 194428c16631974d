from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from ..database import get_session

router = APIRouter()


@router.get("/items")
async def list_items(session: AsyncSession = Depends(get_session)):
    return []
