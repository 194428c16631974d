from .db import DbSession, provide_session

__all__ = ["DbSession", "provide_session"]
