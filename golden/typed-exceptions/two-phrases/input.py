from fastapi import HTTPException

DOCS: dict[int, str] = {}


def read_doc(doc_id: int, user: str) -> str:
    if doc_id not in DOCS:
        raise ValueError(f"Document {doc_id} not found, or permission denied for {user}")
    if DOCS[doc_id] != user:
        raise ValueError("permission denied")
    return DOCS[doc_id]


def doc_endpoint(doc_id: int, user: str) -> str:
    try:
        return read_doc(doc_id, user)
    except ValueError as e:
        if "permission" in str(e):
            raise HTTPException(403, str(e))
        if "not found" in str(e):
            raise HTTPException(404, str(e))
        raise HTTPException(400, str(e))


def doc_endpoint_not_found_first(doc_id: int, user: str) -> str:
    # here the combined message took the "not found" branch: it cannot become PermissionDeniedError
    try:
        return read_doc(doc_id, user)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(404, str(e))
        if "permission" in str(e):
            raise HTTPException(403, str(e))
        raise HTTPException(400, str(e))
