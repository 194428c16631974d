import pytest
from fastapi import Depends

from app.database import get_db, get_db_context


class ItemService:
    def __init__(self, session) -> None:
        self.session = session


async def get_item_service():
    """A dependency built on the session dependency."""
    async with get_db_context() as session:
        yield ItemService(session)


@pytest.fixture
async def session():
    async for s in get_db():
        yield s


async def list_items(service: ItemService = Depends(get_item_service)):
    return await service.session.execute("SELECT * FROM items")
