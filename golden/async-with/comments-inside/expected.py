import contextlib


@contextlib.asynccontextmanager
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
    # take one session
    # from the project's factory
    async with get_db_session_context() as db:  # closed by the generator
        await db.delete(await db.get(Item, item_id))  # the item goes


async def closed_in_finally(item_id: int) -> None:
    # one context
    # pulled once
    async with get_db_session_context() as db:
        # find it first
        await db.get(Item, item_id)


async def loop_with_comments(item_id: int) -> None:
    async with get_db_session_context(  # one session
    ) as db:
        await db.get(Item, item_id)
        pass  # only the first
