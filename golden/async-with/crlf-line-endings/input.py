import os


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
    db = await anext(get_db_session_context())
    # remove stale rows
    await db.execute(delete_stale(os.environ["TTL"]))
