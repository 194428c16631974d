from fastapi import FastAPI

from . import models  # noqa: F401
from .database import init_db

app = FastAPI()
# kept for the admin command that rebuilds a scratch database
app.state.init_db = init_db


@app.on_event("startup")
async def startup() -> None:
    await init_db()
