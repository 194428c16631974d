"""Celery-style task: the import sits inside the task to avoid a cycle at start-up."""

import logging

logger = logging.getLogger(__name__)


async def run_analysis_task(run_uuid: str) -> None:
    from app.database import get_db_session_context
    from app.executor import AnalysisExecutor

    async with get_db_session_context() as db:
        executor = AnalysisExecutor(db)
        await executor.start_run(run_uuid)
        logger.info("run %s finished", run_uuid)


async def cleanup_task(run_uuid: str) -> None:
    from app import database

    async with database.get_db_session_context() as db:
        await db.execute("DELETE FROM runs WHERE uuid = :uuid", {"uuid": run_uuid})
