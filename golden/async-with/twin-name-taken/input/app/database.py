from fastapi import Depends


async def get_db_session():
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


def get_db_session_context():
    return "something else entirely"


def route(session=Depends(get_db_session)):
    return session
