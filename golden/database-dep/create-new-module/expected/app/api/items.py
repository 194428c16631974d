from fastapi import APIRouter

from ..dependencies import DbSession

router = APIRouter()


@router.get("/items")
async def list_items(session: DbSession):
    return []
