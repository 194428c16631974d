import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel

from . import models  # noqa: F401
from .database import engine
from .db_migrations import upgrade_database

logger = logging.getLogger(__name__)

type Health = dict[str, str]


class Envelope[T](BaseModel):
    data: T
    version: str = "v1"


@asynccontextmanager
async def lifespan(app: FastAPI):
    # the schema must be ready before serving
    await asyncio.to_thread(upgrade_database)
    logger.info(f"database ready: {
        engine.url.render_as_string(hide_password=True)
    }")
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> Envelope[Health]:
    labels = {"status": "ok"}
    return Envelope(data={"status": f"{labels["status"]}"})
