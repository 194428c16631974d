from fastapi import APIRouter, HTTPException

from app.exceptions import ResourceNotFoundError
from app.services.users import get_user

router = APIRouter()


@router.get("/users/{user_id}")
async def read_user(user_id: int) -> dict:
    try:
        return await get_user(user_id)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
