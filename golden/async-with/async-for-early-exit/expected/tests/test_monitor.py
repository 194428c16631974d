import pytest

from app.database import get_async_session, get_async_session_context


@pytest.fixture
async def session():
    async for s in get_async_session():
        yield s


async def test_agents_table_exists() -> None:
    async with get_async_session_context() as session:
        result = await session.execute("SELECT 1")
        assert result.scalar_one() == 1
