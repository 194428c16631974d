from fastapi import APIRouter

from app.dependencies import DbSession

router = APIRouter()


@router.get("/users")
async def list_users(session: DbSession):
    return []
