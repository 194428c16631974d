from fastapi import APIRouter, HTTPException

from ..exceptions import ResourceExistsError, ResourceNotFoundError
from ..services.users import get_user, register

router = APIRouter()


@router.get("/users/{user_id}")
def read_user(user_id: int) -> str:
    try:
        return get_user(user_id)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e


@router.post("/users/{user_id}")
def create_user(user_id: int, name: str) -> str:
    try:
        return register(user_id, name)
    except ResourceExistsError as e:
        raise HTTPException(status_code=409, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
