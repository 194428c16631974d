from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db_session():
    yield AsyncSession()


DatabaseDep = Annotated[AsyncSession, Depends(get_db_session)]
