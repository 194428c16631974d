import logging

from fastapi import HTTPException

from app.exceptions import ResourceNotFoundError
from app.services.groups import GroupRepository, GroupService

logger = logging.getLogger(__name__)
ROWS: dict[str, list[str]] = {"admins": ["ada"]}


def add(group: str, person: str) -> int:
    # every raise the try block reaches is one the model reads: the string test goes
    try:
        service = GroupService(GroupRepository(ROWS))
        return service.add_member(group, person)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e


def remove(service: GroupService, group: str, person: str, query) -> int:
    # the service is a parameter, and it passes `query` on to code the model cannot follow:
    # the typed clause comes first, and the string test stays for what the model cannot see
    try:
        return service.remove_member(group, person, query)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    except ValueError as e:
        if "not found" in str(e).lower():
            raise HTTPException(status_code=404, detail=str(e)) from e
        logger.warning("refused: %s", e)
        if "already" in str(e):
            raise HTTPException(status_code=409, detail=str(e)) from e
        raise HTTPException(status_code=400, detail=str(e)) from e
