from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.pagination import Page
from app.session import get_db_session

DatabaseDep = Annotated[AsyncSession, Depends(get_db_session)]
DEFAULT_PAGE = Page()
