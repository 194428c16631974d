from .database import get_db_session as open_session


async def sync_items() -> None:
    db = await anext(open_session())
    await db.execute(sync_statement())
