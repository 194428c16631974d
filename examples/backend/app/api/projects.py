from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from ..database import DatabaseDep, get_session
from ..models import Project, User
from ..schemas import ProjectCreate, ProjectRead, UserCreate, UserRead
from ..services import projects as project_service
from ..tasks import enrich_project
from .deps import get_project_or_404

router = APIRouter(tags=["projects"])


@router.post("/users", response_model=UserRead, status_code=201)
async def create_user(payload: UserCreate, db: DatabaseDep) -> User:
    try:
        return await project_service.create_user(db, payload)
    except ValueError as e:
        if "already exists" in str(e):
            raise HTTPException(status_code=409, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


@router.post("/users/{user_id}/projects", response_model=ProjectRead, status_code=201)
async def create_project(
    user_id: int, payload: ProjectCreate, session: AsyncSession = Depends(get_session)
) -> Project:
    try:
        return await project_service.create_project(session, user_id, payload)
    except ValueError as e:
        if "not found" in str(e).lower():
            raise HTTPException(status_code=404, detail=str(e))
        if "already exists" in str(e).lower():
            raise HTTPException(status_code=409, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


@router.get("/projects/{project_id}", response_model=ProjectRead)
async def read_project(project: Project = Depends(get_project_or_404)) -> Project:
    return project


@router.post("/projects/{project_id}/enrich", status_code=202)
async def enrich(
    background_tasks: BackgroundTasks, project: Project = Depends(get_project_or_404)
) -> dict[str, str]:
    """Describe the project's items and summarise it with an LLM, after the response is sent."""
    background_tasks.add_task(enrich_project, project.id)
    return {"status": "scheduled"}
