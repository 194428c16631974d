import os
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.database import IS_SQLITE, Base, engine


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Base.metadata.create_all(bind=engine) is what deploys used to do
    if IS_SQLITE:  # local development bootstrap
        Base.metadata.create_all(bind=engine)
    if os.getenv("FORCE_CREATE_ALL"):
        Base.metadata.create_all(engine)
    yield


app = FastAPI(lifespan=lifespan)

if __name__ == "__main__":
    Base.metadata.create_all(bind=engine)
