import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

import service.db as db
from service import tables  # noqa: F401
from service.db_migrations import upgrade_database


@asynccontextmanager
async def lifespan(app: FastAPI):
    await asyncio.to_thread(upgrade_database)
    yield
    await db.engine.dispose()


app = FastAPI(lifespan=lifespan)
