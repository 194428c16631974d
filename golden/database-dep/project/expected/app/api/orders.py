from fastapi import APIRouter, Depends

from app.database import DatabaseDep
from app.deps import get_current_user

router = APIRouter()


@router.get("/orders")
async def list_orders(
    user: str = Depends(get_current_user),
    *,
    session: DatabaseDep,
):
    return []
