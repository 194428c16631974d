from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import models  # noqa: F401
from .database import init_db
from .hooks import hooks


@hooks.register
@asynccontextmanager
async def on_start(app: FastAPI):
    # the schema first
    await init_db()
    yield


app = FastAPI(lifespan=hooks.registered[0])
