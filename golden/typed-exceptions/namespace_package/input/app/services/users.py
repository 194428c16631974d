async def get_user(user_id: int) -> dict:
    if user_id != 1:
        raise ValueError(f"user {user_id} not found")
    return {"id": 1}
