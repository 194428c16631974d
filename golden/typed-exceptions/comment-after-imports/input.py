"""One module: the classes go after the imports, and the comment below them stays."""

from fastapi import HTTPException

# the catalogue, loaded at start-up
CATALOGUE: dict[str, int] = {}


def price(name: str) -> int:
    if name not in CATALOGUE:
        raise ValueError(f"Product {name} not found")
    return CATALOGUE[name]


def price_endpoint(name: str) -> int:
    try:
        return price(name)
    except ValueError as e:
        if "not found" in str(e):  # a missing product is a 404
            raise HTTPException(404, str(e))
        raise HTTPException(400, str(e))
