from contextlib import asynccontextmanager, suppress
from typing import AsyncIterator


@asynccontextmanager
async def unit_of_work() -> AsyncIterator["Session"]:
    session = Session()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        with suppress(Exception):
            await session.close()


async def import_rows(rows: list[dict]) -> int:
    async with unit_of_work() as session:
        session.add_all([Row(**row) for row in rows])
        return len(rows)
