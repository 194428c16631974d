async def quiet_session():
    session = SessionLocal()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
    finally:
        await session.close()


async def job() -> None:
    db = await anext(quiet_session())
    await db.execute(statement())
