from fastapi import Depends, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import get_session
from app.models import Project
from app.services import projects as project_service


async def get_project_or_404(project_id: int, session: AsyncSession = Depends(get_session)) -> Project:
    try:
        return await project_service.get_project(session, project_id)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise
