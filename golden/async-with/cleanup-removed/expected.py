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


async def closed_in_finally(item_id: int) -> None:
    async with get_db_session_context() as db:
        await db.delete(await db.get(Item, item_id))


async def pulled_inside_try(item_id: int) -> None:
    async with get_db_session_context() as db:
        await db.get(Item, item_id)


async def finally_does_more(item_id: int) -> None:
    async with get_db_session_context() as db:
        try:
            await db.get(Item, item_id)
        except KeyError:
            logger.warning("missing %s", item_id)
        finally:
            logger.info("done")


async def resumed_to_finish(item_id: int) -> None:
    async with get_db_session_context() as db:
        await db.merge(Item(id=item_id))


async def one_line_finally(item_id: int) -> None:
    async with get_db_session_context() as db:
        await db.merge(Item(id=item_id))
