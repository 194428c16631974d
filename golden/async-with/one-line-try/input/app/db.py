async def get_db():
    db = object()
    try:
        yield db
    finally:
        pass
