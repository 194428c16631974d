"""Dependencies shared by the routers (re-exported)."""

from app.database import get_db_session as get_session

__all__ = ["get_session", "get_current_user"]


async def get_current_user() -> str:
    return "alice"
