from fastapi import APIRouter

from app.core import DbSession

router = APIRouter()


@router.get("/books")
def list_books(db: DbSession):
    return []
