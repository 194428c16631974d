import contextlib

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///./jobs.db")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


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


get_db_session_context_context = contextlib.asynccontextmanager(get_db_session_context)
