"""The app runs from server/: its modules import each other as `services.store`, not
`server.services.store`, so the typed classes are imported the same way."""
from exceptions import ResourceNotFoundError

GROUPS: dict[str, list[str]] = {}


def members(group: str) -> list[str]:
    if group not in GROUPS:
        raise ResourceNotFoundError(f"Group {group} not found")
    return GROUPS[group]
