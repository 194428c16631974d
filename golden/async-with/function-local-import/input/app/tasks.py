import logging

from .database import get_db_session_context

logger = logging.getLogger(__name__)


async def expire_jobs(cutoff: int) -> int:
    # imported here to keep the worker's start-up light
    from .database import get_db_session_context

    db = await anext(get_db_session_context())
    result = await db.execute(expire_statement(cutoff))
    logger.info("expired %s jobs", result.rowcount)
    return result.rowcount


async def requeue_job(job_id: int) -> None:
    db = await anext(get_db_session_context())
    job = await db.get(Job, job_id)
    job.status = "queued"
