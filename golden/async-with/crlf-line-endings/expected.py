import contextlib
import os


@contextlib.asynccontextmanager
async def get_db_session_context():
    session = SessionLocal()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()


async def cleanup_job() -> None:
    async with get_db_session_context() as db:
        # remove stale rows
        await db.execute(delete_stale(os.environ["TTL"]))
