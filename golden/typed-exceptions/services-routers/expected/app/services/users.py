from app.exceptions import ResourceExistsError, ResourceNotFoundError

USERS: dict[int, str] = {1: "ada"}


def get_user(user_id: int) -> str:
    if user_id not in USERS:
        raise ResourceNotFoundError(f"User {user_id} not found")
    return USERS[user_id]


def register(user_id: int, name: str) -> str:
    if user_id in USERS:
        raise ResourceExistsError(f"User {user_id} already exists")
    USERS[user_id] = name
    return name
