import logging

from .database import get_db_session_context_context

logger = logging.getLogger(__name__)


async def requeue_job(job_id: int) -> None:
    async with get_db_session_context_context() as db:
        job = await db.get(Job, job_id)
        job.status = "queued"


async def count_all_jobs() -> int:
    # a function-local import under another name, iterating the generator to its end: correct
    # code this run does not rewrite, so the factory must stay a generator
    from .database import get_db_session_context as open_session

    total = 0
    async for db in open_session():
        total = await db.scalar(count_statement())
    return total
