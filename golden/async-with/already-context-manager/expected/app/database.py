from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker()


@asynccontextmanager
async def get_session():
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


async def get_user_db(session=None):
    yield session


async def get_user_manager(user_db=Depends(get_user_db)):
    manager = object()
    try:
        yield manager
    finally:
        await user_db.close()
