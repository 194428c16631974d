"""Background monitors: each takes one session per pass."""

import asyncio

from app.database import get_async_session_context, get_shared_pool, stream_rows


async def record_metrics(metrics: dict) -> None:
    async with get_async_session_context() as session:
        session.add_all(metrics.values())
        await session.flush()


async def count_agents() -> int:
    async with get_async_session_context() as session:
        result = await session.execute("SELECT count(*) FROM agents")
        return result.scalar_one()


async def latest_snapshot(name: str):
    async with get_async_session_context() as db:  # one pass is enough
        snapshot = await db.get(dict, name)
        if snapshot is None:
            return None
        # the snapshot is read: done
        pass
    return name


async def poll_forever() -> None:
    while True:
        async with get_async_session_context() as session:
            await session.execute("UPDATE agents SET seen = 1")
            if await session.scalar("SELECT 1"):
                await asyncio.sleep(0)
        await asyncio.sleep(10)


async def export_once() -> None:
    async with get_async_session_context() as session:
        try:
            await session.execute("DELETE FROM stale")
        except RuntimeError:
            return


async def one_liner() -> None:
    async with get_async_session_context() as session: await session.flush()


async def two_passes() -> None:
    async with get_async_session_context() as session:
        await session.execute("SELECT 1")
    async with get_async_session_context() as session:
        await session.execute("SELECT 2")


async def task_with_local_import() -> None:
    from app.database import get_async_session_context

    async with get_async_session_context() as db:
        await db.execute("SELECT 1")
        return
