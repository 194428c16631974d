from fastapi import FastAPI, HTTPException

app = FastAPI()
ITEMS: dict[str, int] = {}


def create_item(name: str, price: int) -> int:
    if price <= 0:
        raise ValueError("Price must be positive")
    if name in ITEMS:
        raise ValueError(  # the route turns this into a 409
            f"Item {name!r} already exists"
        )
    ITEMS[name] = price
    return price


@app.post("/items/{name}")
def create(name: str, price: int) -> dict[str, int]:
    try:
        return {"price": create_item(name, price)}
    except ValueError as e:
        # duplicates are a conflict, everything else a bad request
        if "already exists" in str(  # the message names the item
            e  # the caught error
        ):  # a duplicate
            raise HTTPException(status_code=409, detail=str(e))  # conflict
        raise HTTPException(status_code=400, detail=str(e))
