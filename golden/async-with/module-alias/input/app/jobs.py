from . import db as database


async def nightly_cleanup() -> int:
    scope = database.session_scope()
    session = await anext(scope)
    removed = await session.execute(delete_expired())
    await scope.aclose()
    return removed.rowcount
