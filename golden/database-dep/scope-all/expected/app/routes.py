from fastapi import APIRouter

from app.deps import CurrentUser, SessionDep

router = APIRouter()


@router.get("/me")
async def me(
    current_user: CurrentUser,
    session: SessionDep,
):
    return current_user.name
