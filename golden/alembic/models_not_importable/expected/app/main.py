from fastapi import FastAPI

from app.db_migrations import upgrade_database

upgrade_database()
app = FastAPI()
