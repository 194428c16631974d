import asyncio
from unittest.mock import AsyncMock, MagicMock

import pytest

from app import tasks
from app.models import Item, Project
from app.services import llm


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> AsyncMock:
    """A mocked session, handed out by a mocked unit of work."""
    session = AsyncMock()
    ctx = MagicMock()
    ctx.__anext__ = AsyncMock(return_value=session)
    monkeypatch.setattr(tasks, "get_db_session_context", lambda: ctx)
    return session


def test_enrich_project_describes_items_and_commits(
    session: AsyncMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(id=1, owner_id=1, name="Garden")
    rake = Item(id=1, project_id=1, name="Rake", price_cents=1500)
    hoe = Item(id=2, project_id=1, name="Hoe", price_cents=900, description="A sharp hoe.")
    session.get.return_value = project
    session.scalars.return_value = MagicMock(all=MagicMock(return_value=[rake, hoe]))
    monkeypatch.setattr(llm, "describe_item", AsyncMock(return_value="A sturdy rake."))
    monkeypatch.setattr(llm, "summarize", AsyncMock(return_value="Garden tools."))

    asyncio.run(tasks.enrich_project(1))

    assert (rake.description, hoe.description) == ("A sturdy rake.", "A sharp hoe.")
    assert project.summary == "Garden tools."
    session.commit.assert_awaited_once()


def test_enrich_unknown_project_does_nothing(session: AsyncMock) -> None:
    session.get.return_value = None

    asyncio.run(tasks.enrich_project(404))

    session.commit.assert_not_awaited()
