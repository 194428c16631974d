from app.database import get_db_session, get_db_session_context


async def job() -> None:
    label = get_db_session_context()
    db = await anext(get_db_session())
    await db.execute(job_statement(label))
