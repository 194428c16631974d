"""One module: the classes go after the imports, and the comment below them stays."""

from fastapi import HTTPException


class ResourceNotFoundError(ValueError):
    """The requested resource does not exist."""


# the catalogue, loaded at start-up
CATALOGUE: dict[str, int] = {}


def price(name: str) -> int:
    if name not in CATALOGUE:
        raise ResourceNotFoundError(f"Product {name} not found")
    return CATALOGUE[name]


def price_endpoint(name: str) -> int:
    try:
        return price(name)
    except ResourceNotFoundError as e:
        # a missing product is a 404
        raise HTTPException(404, str(e)) from e
    except ValueError as e:
        raise HTTPException(400, str(e)) from e
