from app.exceptions import ResourceExistsError

NAMES: set[str] = set()


def add(name: str) -> None:
    if name in NAMES:
        raise ValueError(f"{name} already exists")
    if not name:
        raise ResourceExistsError("empty names already exist")
    NAMES.add(name)


def find(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"{name} not found")
    return name
