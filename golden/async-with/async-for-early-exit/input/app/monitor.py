"""Background monitors: each takes one session per pass."""

import asyncio

from app.database import get_async_session, get_shared_pool, stream_rows


async def record_metrics(metrics: dict) -> None:
    async for session in get_async_session():
        session.add_all(metrics.values())
        await session.flush()
        break


async def count_agents() -> int:
    async for session in get_async_session():
        result = await session.execute("SELECT count(*) FROM agents")
        return result.scalar_one()


async def latest_snapshot(name: str):
    async for db in get_async_session():  # one pass is enough
        snapshot = await db.get(dict, name)
        if snapshot is None:
            return None
        # the snapshot is read: done
        break
    return name


async def poll_forever() -> None:
    while True:
        async for session in get_async_session():
            await session.execute("UPDATE agents SET seen = 1")
            if await session.scalar("SELECT 1"):
                await asyncio.sleep(0)
                break
            else:
                break
        await asyncio.sleep(10)


async def export_once() -> None:
    async for session in get_async_session():
        try:
            await session.execute("DELETE FROM stale")
        except RuntimeError:
            return
        break


async def one_liner() -> None:
    async for session in get_async_session(): await session.flush(); break


async def two_passes() -> None:
    async for session in get_async_session():
        await session.execute("SELECT 1")
        break
    async for session in get_async_session():
        await session.execute("SELECT 2")
        break


async def task_with_local_import() -> None:
    from app.database import get_async_session as session_scope

    async for db in session_scope():
        await db.execute("SELECT 1")
        return
