from fastapi import FastAPI

from . import models
from .database import engine

app = FastAPI()


@app.on_event("startup")
def create_tables() -> None:
    models.Base.metadata.create_all(bind=engine)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
