from app.db import get_db


async def f():
    try: db = await anext(get_db())
    finally: pass
    return db


async def g():
    ctx = get_db()
    db = await anext(ctx)
    try: await db.run()
    finally: await ctx.aclose()
