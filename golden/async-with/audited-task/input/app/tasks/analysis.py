"""Celery-style task: the import sits inside the task to avoid a cycle at start-up."""

import logging

logger = logging.getLogger(__name__)


async def run_analysis_task(run_uuid: str) -> None:
    from app.database import get_db_session_context
    from app.executor import AnalysisExecutor

    db_context = get_db_session_context()
    db = await anext(db_context)
    try:
        executor = AnalysisExecutor(db)
        await executor.start_run(run_uuid)
        logger.info("run %s finished", run_uuid)
    except Exception:
        raise


async def cleanup_task(run_uuid: str) -> None:
    from app import database

    db_context = database.get_db_session_context()
    db = await db_context.__anext__()
    try:
        await db.execute("DELETE FROM runs WHERE uuid = :uuid", {"uuid": run_uuid})
    finally:
        await db.close()
