from fastapi import APIRouter

from ..database import DatabaseDep

router = APIRouter()


# why: one session per request
# the project's dependency
@router.get("/items")
async def list_items(
    limit: int = 10,  # a page
    *,
    session: DatabaseDep,
):
    return []


@router.get("/items/{item_id}")
async def read_item(item_id: int, session: DatabaseDep):  # one line
    return item_id
