from app.db import get_db_session_context


async def reindex(item_id: int) -> None:
    async with get_db_session_context() as db:
        await db.execute(reindex_statement(item_id))
