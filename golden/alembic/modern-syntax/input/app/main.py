import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel

from . import models  # noqa: F401
from .database import Base, engine

logger = logging.getLogger(__name__)

type Health = dict[str, str]


class Envelope[T](BaseModel):
    data: T
    version: str = "v1"


@asynccontextmanager
async def lifespan(app: FastAPI):
    # the schema must be ready before serving
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
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
