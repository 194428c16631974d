from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.core import provide_session

router = APIRouter()


@router.get("/books")
def list_books(db: Session = Depends(provide_session)):
    return []
