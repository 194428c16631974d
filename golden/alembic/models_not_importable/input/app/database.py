import fixit_missing_driver  # noqa: F401  (a driver this environment does not have)
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase

engine = create_engine("postgresql+missing://app@db/app")


class Base(DeclarativeBase):
    pass
