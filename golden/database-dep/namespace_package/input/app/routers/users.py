from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.db.session import get_db

router = APIRouter()


@router.get("/users")
def list_users(db: Session = Depends(get_db)) -> list:
    return []
