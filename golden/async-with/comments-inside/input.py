async def get_db_session_context():
    session = SessionLocal()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()


async def pulled_with_comments(item_id: int) -> None:
    # the session for this request
    db = await anext(  # take one session
        get_db_session_context()  # from the project's factory
    )  # closed by the generator
    await db.delete(await db.get(Item, item_id))  # the item goes


async def closed_in_finally(item_id: int) -> None:
    ctx = get_db_session_context()  # one context
    db = await anext(
        ctx  # pulled once
    )
    try:
        # find it first
        await db.get(Item, item_id)
    finally:
        # give it back
        await ctx.aclose()  # always


async def loop_with_comments(item_id: int) -> None:
    async for db in get_db_session_context(  # one session
    ):
        await db.get(Item, item_id)
        break  # only the first
