async def get_db_session_context():
    session = SessionLocal()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()


async def in_a_loop(ids: list[int]) -> None:
    for item_id in ids:
        db = await anext(get_db_session_context())
        await db.get(Item, item_id)


async def returns_the_session():
    db = await anext(get_db_session_context())
    return db


async def stores_the_session(self):
    db = await anext(get_db_session_context())
    self.db = db


async def used_after_the_block(flag: bool) -> None:
    if flag:
        db = await anext(get_db_session_context())
    else:
        db = None
    await finish(db)


async def context_used_elsewhere() -> None:
    ctx = get_db_session_context()
    db = await anext(ctx)
    await db.flush()
    remember(ctx)


async def in_an_expression() -> None:
    await use(await anext(get_db_session_context()))


_service = None


async def kept_in_a_global_singleton():
    global _service
    if _service is None:
        db = await anext(get_db_session_context())
        _service = Service(db_session=db)
    return _service
