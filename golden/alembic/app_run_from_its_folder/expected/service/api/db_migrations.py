"""Bring the database schema up to date at startup: `alembic upgrade head` (scaffolded by fixit)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = Path(__file__).resolve().parent.parent.parent / "alembic.ini"


def upgrade_database() -> None:
    """Apply every pending migration; a new, empty database gets the whole schema.

    Blocking: from async code run it with `await asyncio.to_thread(upgrade_database)`.
    """
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logger"] = False  # keep the application's logging as it is
    command.upgrade(config, "head")
