from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import get_db_session

router = APIRouter()


@router.get("/things")
async def list_things(session: AsyncSession = Depends(get_db_session)):
    return []
