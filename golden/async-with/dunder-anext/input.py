async def get_session():
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


async def refresh_cache(key: str) -> None:
    ctx = get_session()
    session = await ctx.__anext__()
    rows = await session.execute(select_rows(key))
    cache[key] = rows.all()
