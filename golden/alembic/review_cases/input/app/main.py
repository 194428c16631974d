from fastapi import FastAPI

from app.database import reset_schema
from app.tenants import router

app = FastAPI()
app.include_router(router)


@app.on_event("startup")
def startup() -> None:
    reset_schema()
