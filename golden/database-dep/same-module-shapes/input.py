"""Routes and dependencies next to the alias they should use."""

from typing import Annotated, TypeAlias

import fastapi
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db_session():
    yield AsyncSession()


get_session = get_db_session


async def early(session: AsyncSession = Depends(get_session)):  # above the alias: left alone
    return session


SessionDep: TypeAlias = Annotated[AsyncSession, Depends(get_db_session)]
router = APIRouter()


@router.get("/cached")
async def cached(session: AsyncSession = Depends(get_session, use_cache=True)):
    return []


@router.get("/qualified")
async def qualified(session: AsyncSession = fastapi.Depends(get_db_session)):
    return []


@router.get("/star-args")
async def star_args(limit: int = 10, session: AsyncSession = Depends(get_session), *rest):
    return rest


@router.get("/positional-only")
async def positional_only(limit: int = 10, session: AsyncSession = Depends(get_session), /):
    return []


@router.get("/keyword-only")
async def keyword_only(*, limit: int = 10, session: AsyncSession = Depends(get_session)):
    return []


@router.get("/existing-star")
async def existing_star(limit: int = 1, session: AsyncSession = Depends(get_session), *, flag: bool = False):
    return []


@router.get("/after-slash")
async def after_slash(limit: int = 1, /, session: AsyncSession = Depends(get_session)):
    return []


@router.get("/two")
async def two(limit=1, first=Depends(get_session), second: AsyncSession = Depends(get_session)):
    return []


@router.get("/metadata")
async def metadata(session: Annotated[AsyncSession, Depends(get_session), "primary"]):
    return []


@router.get("/optional")
async def optional(session: AsyncSession | None = Depends(get_session)):
    return []


@router.get("/lambda")
async def with_lambda(key=lambda session=Depends(get_session): session):
    return []


@router.get("/done")
async def done(session: SessionDep, name: str = "x"):
    async def nested(inner: AsyncSession = Depends(get_session)):
        return inner

    return await nested()
