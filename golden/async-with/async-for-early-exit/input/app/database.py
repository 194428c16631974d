"""Sessions for request handlers and background jobs."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, class_=AsyncSession)


async def get_async_session():
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


async def get_shared_pool():
    # hands out the one pool: nothing to commit or close afterwards
    yield engine


async def stream_rows(query):
    async with SessionLocal() as session:
        for row in await session.execute(query):
            yield row
