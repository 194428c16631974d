"""Windows line endings survive."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db_session():
    yield AsyncSession()


DatabaseDep = Annotated[AsyncSession, Depends(get_db_session)]
router = APIRouter()


@router.get("/things")
async def list_things(
    name: str = 'x',  # the filter
    *,
    session: DatabaseDep,
):
    return []
