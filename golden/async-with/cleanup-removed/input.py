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


async def closed_in_finally(item_id: int) -> None:
    ctx = get_db_session_context()
    db = await anext(ctx)
    try:
        await db.delete(await db.get(Item, item_id))
    finally:
        await ctx.aclose()


async def pulled_inside_try(item_id: int) -> None:
    ctx = get_db_session_context()
    try:
        db = await anext(ctx)
        await db.get(Item, item_id)
    except Exception:
        raise
    finally:
        await ctx.aclose()


async def finally_does_more(item_id: int) -> None:
    ctx = get_db_session_context()
    db = await anext(ctx)
    try:
        await db.get(Item, item_id)
    except KeyError:
        logger.warning("missing %s", item_id)
    finally:
        logger.info("done")
        await ctx.aclose()


async def resumed_to_finish(item_id: int) -> None:
    ctx = get_db_session_context()
    db = await anext(ctx)
    await db.merge(Item(id=item_id))
    await anext(ctx, None)


async def one_line_finally(item_id: int) -> None:
    ctx = get_db_session_context()
    db = await anext(ctx)
    try:
        await db.merge(Item(id=item_id))
    finally: await ctx.aclose()
