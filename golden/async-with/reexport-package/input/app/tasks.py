from app.db import get_db_session_context


async def reindex(item_id: int) -> None:
    db = await anext(get_db_session_context())
    await db.execute(reindex_statement(item_id))
