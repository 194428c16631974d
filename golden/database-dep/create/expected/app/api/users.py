from fastapi import APIRouter

from app.database import DatabaseDep

router = APIRouter()


@router.get("/users")
async def list_users(session: DatabaseDep):
    return []
