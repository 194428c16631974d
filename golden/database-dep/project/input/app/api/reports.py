import fastapi
import sqlalchemy.ext.asyncio

from app import database

router = fastapi.APIRouter()


@router.get("/reports")
async def list_reports(session: sqlalchemy.ext.asyncio.AsyncSession = fastapi.Depends(database.get_db_session)):
    return []
