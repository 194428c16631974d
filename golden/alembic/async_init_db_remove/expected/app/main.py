from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import models  # noqa: F401


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield


app = FastAPI(lifespan=lifespan)
