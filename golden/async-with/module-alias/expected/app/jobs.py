from . import db as database


async def nightly_cleanup() -> int:
    async with database.session_scope() as session:
        removed = await session.execute(delete_expired())
        return removed.rowcount
