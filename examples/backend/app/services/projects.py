from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Project, User
from app.schemas import ProjectCreate, UserCreate


async def create_user(db: AsyncSession, data: UserCreate) -> User:
    if await db.scalar(select(User.id).where(User.email == data.email)) is not None:
        raise ValueError(f"User with email {data.email} already exists")
    user = User(email=data.email, name=data.name)
    db.add(user)
    await db.commit()
    return user


async def get_user(db: AsyncSession, user_id: int) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise ValueError(f"User {user_id} not found")
    return user


async def create_project(db: AsyncSession, user_id: int, data: ProjectCreate) -> Project:
    await get_user(db, user_id)
    taken = select(Project.id).where(Project.owner_id == user_id, Project.name == data.name)
    if await db.scalar(taken) is not None:
        raise ValueError(f"Project {data.name!r} already exists for user {user_id}")
    project = Project(owner_id=user_id, name=data.name)
    db.add(project)
    await db.commit()
    return project


async def get_project(db: AsyncSession, project_id: int) -> Project:
    project = await db.get(Project, project_id)
    if project is None:
        raise ValueError(f"Project {project_id} not found")
    return project
