from fastapi import HTTPException


def find(item_id: int) -> str:
    if item_id < 0:
        raise ValueError(f"Item {item_id} not found")
    return "ok"


def read(item_id: int) -> str:
    # the bare `raise` keeps other ValueErrors away from `except Exception`: it must stay
    try:
        return find(item_id)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise
    except Exception:
        return "fallback"
