import uuid

from fastapi import HTTPException

STOCK: dict[str, int] = {}


def reserve(sku: str, count: int) -> int:
    if count <= 0:
        raise ValueError("Count must be positive")
    if sku not in STOCK:
        raise ValueError(f"SKU {sku} not found")
    return STOCK[sku] - count


def parse_token(token: str) -> uuid.UUID:
    return uuid.UUID(token)


def reserve_endpoint(sku: str, raw_count: str) -> int:
    # int() raises its own ValueError, which echoes the input
    try:
        return reserve(sku, int(raw_count))
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(404, str(e))
        raise HTTPException(400, str(e))


def token_endpoint(token: str) -> uuid.UUID:
    try:
        return parse_token(token)
    except ValueError as e:
        if "hexadecimal" in str(e):
            raise HTTPException(422, "bad token")
        raise


def same_outcome(sku: str) -> int:
    try:
        return reserve(sku, 1)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(400, str(e))
        raise HTTPException(400, str(e))


def tuple_clause(sku: str) -> int:
    try:
        return reserve(sku, 1)
    except (ValueError, KeyError) as e:
        if "not found" in str(e):
            raise HTTPException(404, str(e))
        raise HTTPException(400, str(e))


def shows_type(sku: str) -> int:
    try:
        return reserve(sku, 1)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(404, repr(e))
        raise HTTPException(400, str(e))

