import contextlib

from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker()


async def get_db():
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


get_db_context = contextlib.asynccontextmanager(get_db)
