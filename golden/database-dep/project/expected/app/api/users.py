from fastapi import APIRouter

from ..database import DatabaseDep

router = APIRouter()


@router.get("/users")
async def list_users(session: DatabaseDep):
    return []


@router.get("/users/{user_id}")
async def read_user(user_id: int, session: DatabaseDep):
    return {"id": user_id}
