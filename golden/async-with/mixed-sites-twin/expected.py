import contextlib


async def session_scope():
    session = Session()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()


session_scope_context = contextlib.asynccontextmanager(session_scope)


async def single(item_id: int) -> None:
    async with session_scope_context() as db:
        await db.get(Item, item_id)


async def batched(ids: list[int]) -> None:
    for item_id in ids:
        db = await anext(session_scope())
        await db.get(Item, item_id)
