from sqlalchemy.ext.asyncio import AsyncSession


async def get_db_session():
    yield AsyncSession()
