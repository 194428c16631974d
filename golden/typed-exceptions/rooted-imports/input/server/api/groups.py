from fastapi import HTTPException

from services.store import members


def list_members(group: str) -> list[str]:
    try:
        return members(group)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))
