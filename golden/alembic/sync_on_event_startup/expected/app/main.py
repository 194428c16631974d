from fastapi import FastAPI

from .db_migrations import upgrade_database

app = FastAPI()


@app.on_event("startup")
def create_tables() -> None:
    upgrade_database()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
