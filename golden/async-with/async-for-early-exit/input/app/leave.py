"""Loops that are correct, or that a person must look at."""

from app.database import get_async_session, get_shared_pool, stream_rows
from app.missing_module import get_session


async def runs_to_exhaustion() -> None:
    async for session in get_async_session():
        await session.execute("SELECT 1")


async def continues(ids: list[int]) -> None:
    async for session in get_async_session():
        if not ids:
            continue
        await session.execute("SELECT 1")


async def reads_a_stream() -> int:
    async for row in stream_rows("SELECT 1"):
        return row


async def pool_without_cleanup() -> None:
    async for pool in get_shared_pool():
        await pool.dispose()
        break


async def session_returned():
    async for session in get_async_session():
        return session


async def session_used_after():
    async for session in get_async_session():
        break
    await session.execute("SELECT 1")


async def break_in_the_middle(flag: bool) -> None:
    async for session in get_async_session():
        if flag:
            break
        await session.execute("SELECT 1")
        break


async def loop_with_else() -> None:
    async for session in get_async_session():
        await session.execute("SELECT 1")
        break
    else:
        raise RuntimeError("no session")


async def from_a_missing_module() -> None:
    async for session in get_session():
        await session.execute("SELECT 1")
        break


async def never_imported() -> None:
    async for session in get_db_session():
        await session.execute("SELECT 1")
        break


async def third_party(client) -> str:
    async for chunk in client.stream("GET", "/"):
        return chunk
