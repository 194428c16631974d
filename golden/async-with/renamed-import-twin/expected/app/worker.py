from .database import get_db_session as open_session, get_db_session_context


async def drain() -> None:
    async with get_db_session_context() as db:
        await db.execute(drain_statement())


def session_factory():
    return open_session
