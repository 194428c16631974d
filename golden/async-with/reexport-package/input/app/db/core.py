import contextlib
from typing import AsyncGenerator


async def get_db_session_context() -> AsyncGenerator["AsyncSession", None]:
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise
