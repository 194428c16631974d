from fastapi import APIRouter, HTTPException

from app.services.users import get_user

router = APIRouter()


@router.get("/users/{user_id}")
async def read_user(user_id: int) -> dict:
    try:
        return await get_user(user_id)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))
