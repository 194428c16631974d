from fastapi import APIRouter

from app.database import DatabaseDep

router = APIRouter()


@router.get("/things")
async def list_things(session: DatabaseDep):
    return []
