from fastapi import HTTPException


class ResourceNotFoundError(ValueError):
    """The requested resource does not exist."""


def load(key: str) -> str:
    if not key:
        raise ResourceNotFoundError("key not found")  # keep this comment
    return key


def endpoint(key: str) -> str:
    try:
        return load(key)
    # both branches answer with the message
    except ResourceNotFoundError as e:
        # a missing key
        raise HTTPException(404, str(e)) from e
    except ValueError as e:
        raise HTTPException(400, str(e)) from e
