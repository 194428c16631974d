from aiostream import stream
from sqlalchemy.ext.asyncio import AsyncSession
from vendor.sessions import vendor_session_scope


async def first_chunk(response):
    chunk = await anext(response.aiter_bytes())
    return chunk


async def first_item(source):
    item = await anext(stream.iterate(source))
    return item


async def vendor_work():
    db: AsyncSession = await anext(vendor_session_scope())
    await db.commit()
