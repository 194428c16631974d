import contextlib
from typing import AsyncGenerator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SessionLocal = async_sessionmaker()

# an older spelling, replaced by the definition below (importers see the last binding)
get_db_session_context = SessionLocal


@contextlib.asynccontextmanager
async def get_db_session_context() -> AsyncGenerator[AsyncSession, None]:
    session = SessionLocal()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()
