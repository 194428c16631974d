import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from .config import settings
from .db_migrations import upgrade_database

logger = logging.getLogger(__name__)
engine = create_async_engine(settings.database_url)
SessionLocal = async_sessionmaker(engine)


class Base(DeclarativeBase):
    pass


async def init_db() -> None:
    """Create the tables."""
    logger.info("creating tables")
    # every table the models define
    await asyncio.to_thread(upgrade_database)
    print("tables ready")
