from fastapi import HTTPException


class ResourceNotFoundError(ValueError):
    """The requested resource does not exist."""


def find(item_id: int) -> str:
    if item_id < 0:
        raise ResourceNotFoundError(f"Item {item_id} not found")
    return "ok"


def read(item_id: int) -> str:
    # the bare `raise` keeps other ValueErrors away from `except Exception`: it must stay
    try:
        return find(item_id)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    except ValueError:
        raise
    except Exception:
        return "fallback"
