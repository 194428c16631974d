from fastapi import APIRouter

from app.deps import SessionDep

router = APIRouter()


@router.get("/things")
async def list_things(session: SessionDep):
    return []
