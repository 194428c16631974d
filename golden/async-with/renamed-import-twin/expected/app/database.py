import contextlib
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db_session():
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


get_db_session_context = contextlib.asynccontextmanager(get_db_session)


DatabaseDep = Annotated[AsyncSession, Depends(get_db_session)]
