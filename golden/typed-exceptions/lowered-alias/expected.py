import logging

from fastapi import HTTPException


class ResourceNotFoundError(ValueError):
    """The requested resource does not exist."""


logger = logging.getLogger(__name__)
USERS: dict[int, str] = {}


def load_user(user_id: int) -> str:
    if user_id not in USERS:
        raise ResourceNotFoundError(f"User {user_id} Does Not Exist")
    if not USERS[user_id]:
        message = "Not found: user " + str(user_id) + " has no name"
        raise ResourceNotFoundError(message)
    return USERS[user_id]


def read_user(user_id: int) -> str:
    try:
        return load_user(user_id)
    except ResourceNotFoundError as error:
        message = str(error).lower()
        logger.warning("lookup failed: %s", message)
        raise HTTPException(404, detail=f"no user {user_id}") from error
    except ValueError as error:
        message = str(error).lower()
        logger.warning("lookup failed: %s", message)

        raise HTTPException(400, detail=message) from error
