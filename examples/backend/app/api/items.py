from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import get_project_or_404
from app.database import DatabaseDep, get_session
from app.models import Item, Project
from app.schemas import ItemCreate, ItemRead
from app.services import items as item_service

router = APIRouter(tags=["items"])


@router.post("/projects/{project_id}/items", response_model=ItemRead, status_code=201)
async def create_item(project_id: int, payload: ItemCreate, db: DatabaseDep) -> Item:
    try:
        return await item_service.create_item(db, project_id, payload)
    except ValueError as e:
        if "already exists" in str(e):
            raise HTTPException(status_code=409, detail=str(e))
        elif "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


@router.get("/projects/{project_id}/items", response_model=list[ItemRead])
async def list_items(
    project: Project = Depends(get_project_or_404),
    limit: int = Query(50, ge=1, le=100),
    session: AsyncSession = Depends(get_session),
) -> list[Item]:
    return await item_service.list_items(session, project.id, limit)


@router.get("/items/{item_id}", response_model=ItemRead)
async def read_item(item_id: int, session: AsyncSession = Depends(get_session)) -> Item:
    try:
        return await item_service.get_item(session, item_id)
    except ValueError as e:
        if "not found" in str(e).lower():
            raise HTTPException(status_code=404, detail=str(e))
        raise


@router.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int, db: DatabaseDep) -> None:
    try:
        await item_service.delete_item(db, item_id)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise
