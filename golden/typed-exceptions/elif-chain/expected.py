from fastapi import HTTPException


class ResourceNotFoundError(ValueError):
    """The requested resource does not exist."""


class PermissionDeniedError(ValueError):
    """The caller may not perform this operation."""


ORDERS: dict[int, str] = {}


def cancel_order(order_id: int, user: str) -> None:
    if order_id not in ORDERS:
        raise ResourceNotFoundError(f"Order {order_id} not found")
    if user == "guest":
        raise PermissionDeniedError("guests have no permission to cancel orders")
    if ORDERS[order_id] != user:
        raise PermissionDeniedError(f"User {user} is not allowed to cancel order {order_id}")
    if ORDERS[order_id] == "shipped":
        raise ValueError("Order already shipped")
    del ORDERS[order_id]


def cancel(order_id: int, user: str) -> dict[str, bool]:
    try:
        cancel_order(order_id, user)
    except ResourceNotFoundError as e:
        # unknown order
        raise HTTPException(status_code=404, detail=str(e)) from e
    except PermissionDeniedError as e:
        raise HTTPException(status_code=403, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
    return {"cancelled": True}
