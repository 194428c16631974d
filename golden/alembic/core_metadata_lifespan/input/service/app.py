from contextlib import asynccontextmanager

from fastapi import FastAPI

import service.db as db
from service import tables  # noqa: F401


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with db.engine.begin() as connection:
        await connection.run_sync(db.metadata.create_all)
    yield
    await db.engine.dispose()


app = FastAPI(lifespan=lifespan)
