import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from .config import settings

logger = logging.getLogger(__name__)
engine = create_async_engine(settings.database_url)
SessionLocal = async_sessionmaker(engine)


class Base(DeclarativeBase):
    pass


async def init_db() -> None:
    """Create the tables and record the version."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        logger.info("tables: %s", await conn.run_sync(lambda c: c.dialect.name))
