from fastapi import APIRouter

from ..core.db import DbSession

router = APIRouter()


@router.get("/authors")
def list_authors(page: int = 1, *, db: DbSession):
    return []
