from typing import Annotated, AsyncGenerator

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession


class User:
    name = "someone"


async def get_session() -> AsyncGenerator[AsyncSession, None]:
    yield AsyncSession()


async def get_current_user() -> User:
    return User()


SessionDep = Annotated[AsyncSession, Depends(get_session)]
CurrentUser = Annotated[User, Depends(get_current_user)]
