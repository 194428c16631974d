from app import database


async def drain() -> None:
    async with database.get_db_session_context() as db:
        await db.execute(drain_statement())
