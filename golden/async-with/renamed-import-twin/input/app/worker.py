from .database import get_db_session as open_session


async def drain() -> None:
    db = await anext(open_session())
    await db.execute(drain_statement())


def session_factory():
    return open_session
