import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

type RunId = str


@dataclass
class Page[T]:
    items: list[T]
    total: int


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


async def list_runs[T](run_type: type[T], limit: int = 20) -> Page[T]:
    db = await anext(get_db_session_context())  # one unit of work per listing

    # newest first
    rows = (await db.scalars(select_runs(run_type, limit))).all()
    logger.info(f"listed {len(rows)} runs of {run_type.__name__!r} for {
        {"limit": limit}["limit"]
    }")
    return Page(items=list(rows), total=len(rows))


async def mark_done(run_id: RunId, meta: dict[str, str]) -> None:
    db = await anext(get_db_session_context())
    await db.execute(finish_run(run_id, note=f"done by {meta["worker"]}"))
