from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from ..database import get_session

router = APIRouter()


@router.get("/items")
async def list_items(session: AsyncSession = Depends(get_session)) -> list[dict]:
    return [item.as_dict() for item in await session.scalars(select_items())]
