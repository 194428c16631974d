import contextlib
import logging

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def session_scope():
    session = make_session()
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()


async def count_items(owner_id: int) -> int:
    logger.info("counting")
    async with session_scope() as db:  # the session for this count
        # ask the database
        total = await db.scalar(count_query(owner_id))
        if total is None:
            raise LookupError(owner_id)
        return total


async def touch(owner_id: int) -> None:
    async with session_scope():
        logger.info("touched %s", owner_id)
