from fastapi import FastAPI

import models
from database import Base, engine

app = FastAPI()


@app.on_event("startup")
def startup() -> None:
    Base.metadata.create_all(bind=engine)
