from db_migrations import upgrade_database
from fastapi import FastAPI

import models

app = FastAPI()


@app.on_event("startup")
def startup() -> None:
    upgrade_database()
