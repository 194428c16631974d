from .database import get_db_session


async def sync_items() -> None:
    db = await anext(get_db_session())
    await db.execute(sync_statement())
