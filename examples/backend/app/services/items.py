from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Item
from app.schemas import ItemCreate
from app.services.projects import get_project


async def create_item(db: AsyncSession, project_id: int, data: ItemCreate) -> Item:
    if data.price_cents <= 0:
        raise ValueError("Price must be positive")
    await get_project(db, project_id)
    taken = select(Item.id).where(Item.project_id == project_id, Item.name == data.name)
    if await db.scalar(taken) is not None:
        raise ValueError(f"Item {data.name!r} already exists in project {project_id}")
    item = Item(project_id=project_id, name=data.name, price_cents=data.price_cents)
    db.add(item)
    await db.commit()
    return item


async def get_item(db: AsyncSession, item_id: int) -> Item:
    item = await db.get(Item, item_id)
    if item is None:
        msg = f"Item {item_id} not found"
        raise ValueError(msg)
    return item


async def list_items(db: AsyncSession, project_id: int, limit: int) -> list[Item]:
    query = select(Item).where(Item.project_id == project_id).order_by(Item.id).limit(limit)
    return list(await db.scalars(query))


async def delete_item(db: AsyncSession, item_id: int) -> None:
    item = await get_item(db, item_id)
    await db.delete(item)
    await db.commit()
