from app.exceptions import ResourceExistsError
from app.service import add, find


def create(name: str) -> int:
    try:
        add(name)
    except ResourceExistsError:
        return 208
    except ValueError as e:
        if "already exists" in str(e):
            return 409
        return 400
    return 201


def read(name: str) -> int:
    try:
        find(name)
    except ValueError as e:
        if "not found" in str(e):
            return 404
        return 400
    return 200
