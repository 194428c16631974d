from unittest.mock import AsyncMock, MagicMock, patch

import pytest

from app import tasks


@pytest.mark.asyncio
async def test_run_analysis_uses_a_session():
    session = AsyncMock()
    ctx = MagicMock()
    ctx.__anext__ = AsyncMock(return_value=session)
    with patch("app.tasks.get_db_session_context", return_value=ctx):
        await tasks.run_analysis("r-1")
    session.execute.assert_awaited()


@pytest.mark.asyncio
async def test_run_analysis_with_the_patch_mock():
    with patch("app.tasks.get_db_session_context") as factory:
        factory.return_value.__anext__.return_value = AsyncMock()
        await tasks.run_analysis("r-2")


@pytest.mark.asyncio
async def test_run_analysis_with_a_fake_generator(monkeypatch):
    session = AsyncMock()

    async def fake_session():
        yield session

    monkeypatch.setattr(tasks, "get_db_session_context", fake_session)
    await tasks.run_analysis("r-3")
    session.execute.assert_awaited()


async def fake_module_session():
    yield AsyncMock()


@pytest.mark.asyncio
async def test_run_analysis_with_side_effect():
    with patch.object(tasks, "get_db_session_context", side_effect=fake_module_session):
        await tasks.run_analysis("r-4")


@pytest.mark.asyncio
async def test_a_plain_mock_is_reported():
    ctx = make_context()
    ctx.__anext__ = AsyncMock(return_value=AsyncMock())
    with patch("app.tasks.get_db_session_context", return_value=ctx):
        await tasks.run_analysis("r-5")


@pytest.mark.asyncio
async def test_an_unrelated_stream_mock_is_untouched():
    stream = MagicMock()
    stream.__anext__ = AsyncMock(return_value=b"chunk")
    assert await anext(stream) == b"chunk"
