from app.database import get_db_session_context


async def run_analysis(run_uuid: str) -> str:
    async with get_db_session_context() as db:
        return await analyse(db, run_uuid)
