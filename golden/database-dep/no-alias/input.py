from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db_session():
    yield AsyncSession()


router = APIRouter()


@router.get("/things")
async def list_things(session: AsyncSession = Depends(get_db_session)):
    return []
