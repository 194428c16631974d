from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.session import get_db_session

router = APIRouter()
DatabaseDep = "this module's own name"


@router.get("/things")
async def list_things(session: AsyncSession = Depends(get_db_session)):
    return DatabaseDep


@router.get("/other")
async def other_things(session: AsyncSession = Depends(get_db_session)):
    return []
