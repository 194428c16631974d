from fastapi import FastAPI, HTTPException


class ResourceExistsError(ValueError):
    """The resource to create already exists."""


app = FastAPI()
ITEMS: dict[str, int] = {}


def create_item(name: str, price: int) -> int:
    if price <= 0:
        raise ValueError("Price must be positive")
    if name in ITEMS:
        raise ResourceExistsError(  # the route turns this into a 409
            f"Item {name!r} already exists"
        )
    ITEMS[name] = price
    return price


@app.post("/items/{name}")
def create(name: str, price: int) -> dict[str, int]:
    try:
        return {"price": create_item(name, price)}
    except ResourceExistsError as e:
        # duplicates are a conflict, everything else a bad request
        # the message names the item
        # the caught error
        # a duplicate
        raise HTTPException(status_code=409, detail=str(e)) from e  # conflict
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
