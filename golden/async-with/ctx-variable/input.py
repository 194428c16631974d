"""Background analysis task (the audit's finding, as written)."""
from typing import AsyncGenerator

from sqlalchemy.ext.asyncio import AsyncSession

from .executor import AnalysisExecutor
from .sessions import SessionLocal


async def get_db_session_context() -> AsyncGenerator[AsyncSession, None]:
    """Unit of work: commit on success, roll back on error, always close."""
    session = SessionLocal()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()


async def run_analysis(run_uuid: str) -> None:
    # one session for the whole run
    db_context = get_db_session_context()
    db = await anext(db_context)
    executor = AnalysisExecutor(db)
    try:
        await executor.start_run(run_uuid)
    except Exception:
        raise
