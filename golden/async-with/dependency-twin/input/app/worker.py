from app import database


async def drain() -> None:
    ctx = database.get_db_session()
    db = await anext(ctx)
    await db.execute(drain_statement())
