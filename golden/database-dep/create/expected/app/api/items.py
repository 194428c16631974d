from fastapi import APIRouter

from ..database import DatabaseDep

router = APIRouter()


@router.get("/items")
async def list_items(session: DatabaseDep):
    return []
