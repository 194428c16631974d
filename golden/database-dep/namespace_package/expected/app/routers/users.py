from fastapi import APIRouter

from app.db.session import DatabaseDep

router = APIRouter()


@router.get("/users")
def list_users(db: DatabaseDep) -> list:
    return []
