from app.database import get_db_session_cm, get_db_session_context


async def job() -> None:
    label = get_db_session_context()
    async with get_db_session_cm() as db:
        await db.execute(job_statement(label))
