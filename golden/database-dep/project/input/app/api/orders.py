from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import get_current_user, get_session

router = APIRouter()


@router.get("/orders")
async def list_orders(
    user: str = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
):
    return []
