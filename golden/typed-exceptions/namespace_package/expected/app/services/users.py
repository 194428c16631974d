from app.exceptions import ResourceNotFoundError

async def get_user(user_id: int) -> dict:
    if user_id != 1:
        raise ResourceNotFoundError(f"user {user_id} not found")
    return {"id": 1}
