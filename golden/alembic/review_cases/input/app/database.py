from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase

engine = create_engine("sqlite:///./app.db")


class Base(DeclarativeBase):
    pass


def reset_schema() -> None:
    Base.metadata.drop_all(bind=engine)
    Base.metadata.create_all(bind=engine)


def unused_bootstrap() -> None:
    Base.metadata.create_all(bind=engine)
