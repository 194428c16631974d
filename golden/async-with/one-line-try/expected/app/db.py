import contextlib


async def get_db():
    db = object()
    try:
        yield db
    finally:
        pass


get_db_context = contextlib.asynccontextmanager(get_db)
