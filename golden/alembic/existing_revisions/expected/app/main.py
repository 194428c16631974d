import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.db_migrations import upgrade_database


@asynccontextmanager
async def lifespan(app: FastAPI):
    await asyncio.to_thread(upgrade_database)  # until migrations run in deploys
    yield


app = FastAPI(lifespan=lifespan)
