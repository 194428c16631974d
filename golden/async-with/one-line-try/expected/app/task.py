from app.db import get_db, get_db_context


async def f():
    try: db = await anext(get_db())
    finally: pass
    return db


async def g():
    async with get_db_context() as db:
        await db.run()
