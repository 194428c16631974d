import asyncio


async def ticker(interval: float):
    while True:
        yield asyncio.get_running_loop().time()
        await asyncio.sleep(interval)


async def pages(client):
    yield await client.get("/page/1")
    yield await client.get("/page/2")


async def first_tick() -> float:
    ticks = ticker(1.0)
    first = await anext(ticks)
    return first


async def first_page(client):
    page = await anext(pages(client))
    return page


async def next_message(stream):
    message = await stream.__anext__()
    return message
