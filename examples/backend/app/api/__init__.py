from fastapi import APIRouter

from app.api import items, projects

router = APIRouter()
router.include_router(projects.router)
router.include_router(items.router)
