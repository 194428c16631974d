"""`anext` on an @asynccontextmanager raises TypeError: these jobs never ran."""

from app.database import get_session, get_user_manager


async def nightly_job() -> None:
    db = await anext(get_session())
    await db.execute("UPDATE jobs SET done = 1")


async def hourly_job() -> None:
    async for db in get_session():
        await db.execute("UPDATE jobs SET seen = 1")
        break


class Orchestrator:
    async def start(self) -> None:
        self.db = await anext(get_session())


async def create_superuser() -> None:
    manager = await get_user_manager().__anext__()
    await manager.create("admin")
