from app.database import get_db_session_context


async def run_analysis(run_uuid: str) -> str:
    db = await anext(get_db_session_context())
    return await analyse(db, run_uuid)
