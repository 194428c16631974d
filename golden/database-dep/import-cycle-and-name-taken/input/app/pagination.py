from dataclasses import dataclass

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.session import get_db_session


@dataclass
class Page:
    size: int = 20


async def count_all(session: AsyncSession = Depends(get_db_session)) -> int:
    return 0
