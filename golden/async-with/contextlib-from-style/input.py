from contextlib import suppress
from typing import AsyncIterator


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
    session = await anext(unit_of_work())
    session.add_all([Row(**row) for row in rows])
    return len(rows)
