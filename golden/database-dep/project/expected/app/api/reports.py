import fastapi

from app import database

router = fastapi.APIRouter()


@router.get("/reports")
async def list_reports(session: database.DatabaseDep):
    return []
