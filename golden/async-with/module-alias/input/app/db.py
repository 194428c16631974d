from contextlib import asynccontextmanager


@asynccontextmanager
async def engine_scope():
    yield ENGINE


async def session_scope():
    session = Session(ENGINE)
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()
