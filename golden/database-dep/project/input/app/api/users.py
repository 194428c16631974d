from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from ..database import get_session

router = APIRouter()


@router.get("/users")
async def list_users(session: Annotated[AsyncSession, Depends(get_session)]):
    return []


@router.get("/users/{user_id}")
async def read_user(user_id: int, session=Depends(dependency=get_session)):
    return {"id": user_id}
