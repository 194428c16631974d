from fastapi import APIRouter, Depends

from app.deps import SessionDep, User, get_current_user

router = APIRouter()


@router.get("/me")
async def me(
    current_user: User = Depends(get_current_user),
    *,
    session: SessionDep,
):
    return current_user.name
