import os

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase

engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///./app.db"))
IS_SQLITE = engine.dialect.name == "sqlite"


class Base(DeclarativeBase):
    pass
