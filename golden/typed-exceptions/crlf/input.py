from fastapi import HTTPException


def load(key: str) -> str:
    if not key:
        raise ValueError("key not found")  # keep this comment
    return key


def endpoint(key: str) -> str:
    try:
        return load(key)
    # both branches answer with the message
    except ValueError as e:
        if "not found" in str(e):
            # a missing key
            raise HTTPException(404, str(e))
        else:
            raise HTTPException(400, str(e))
