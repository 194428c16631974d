"""Database access for the app."""

from .core import get_db_session_context

open_session = get_db_session_context

__all__ = ["get_db_session_context", "open_session"]
