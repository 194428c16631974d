from fastapi import APIRouter, Depends, Security
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.database import DatabaseDep, get_session
from app.deps import get_current_user

router = APIRouter(dependencies=[Depends(get_session)])


@router.get("/items")
async def list_items(session: DatabaseDep, limit: int = 10):
    return []


@router.get("/items/{item_id}")
async def read_item(item_id: int, session: AsyncSession = Depends(get_session)):
    return {"id": item_id}


@router.get("/search")
async def search(
    query: str,
    limit: int = 10,  # page size
    session: AsyncSession = Depends(get_session),
    user: str = Depends(get_current_user),
):
    return []


@router.post("/items")
async def create_item(name: str, session: AsyncSession = Depends(get_session, use_cache=False)):
    return {"name": name}


@router.get("/secure")
async def secure(session: AsyncSession = Security(get_session, scopes=["items"])):
    return {}


@router.get("/sync")
def sync_items(session: Session = Depends(get_session)):
    return []
