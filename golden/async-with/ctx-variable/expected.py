"""Background analysis task (the audit's finding, as written)."""
import contextlib
from typing import AsyncGenerator

from sqlalchemy.ext.asyncio import AsyncSession

from .executor import AnalysisExecutor
from .sessions import SessionLocal


@contextlib.asynccontextmanager
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
    async with get_db_session_context() as db:
        executor = AnalysisExecutor(db)
        await executor.start_run(run_uuid)
