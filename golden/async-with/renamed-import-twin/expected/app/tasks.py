from .database import get_db_session_context


async def sync_items() -> None:
    async with get_db_session_context() as db:
        await db.execute(sync_statement())
