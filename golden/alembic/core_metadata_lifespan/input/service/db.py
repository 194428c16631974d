import os

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

metadata = MetaData()
engine = create_async_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./service.db"))
