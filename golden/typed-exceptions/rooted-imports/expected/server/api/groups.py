from fastapi import HTTPException

from services.store import members
from exceptions import ResourceNotFoundError


def list_members(group: str) -> list[str]:
    try:
        return members(group)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
