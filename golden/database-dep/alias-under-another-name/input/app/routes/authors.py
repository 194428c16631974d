from fastapi import APIRouter, Depends
from sqlalchemy import orm

from ..core.db import provide_session

router = APIRouter()


@router.get("/authors")
def list_authors(page: int = 1, db: orm.Session = Depends(provide_session)):
    return []
