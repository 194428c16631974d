from fastapi import HTTPException

ORDERS: dict[int, str] = {}


def cancel_order(order_id: int, user: str) -> None:
    if order_id not in ORDERS:
        raise ValueError(f"Order {order_id} not found")
    if user == "guest":
        raise ValueError("guests have no permission to cancel orders")
    if ORDERS[order_id] != user:
        raise ValueError(f"User {user} is not allowed to cancel order {order_id}")
    if ORDERS[order_id] == "shipped":
        raise ValueError("Order already shipped")
    del ORDERS[order_id]


def cancel(order_id: int, user: str) -> dict[str, bool]:
    try:
        cancel_order(order_id, user)
    except ValueError as e:
        if "not found" in str(e):  # unknown order
            raise HTTPException(status_code=404, detail=str(e))
        elif "permission" in str(e) or "not allowed" in str(e):
            raise HTTPException(status_code=403, detail=str(e))
        else:
            raise HTTPException(status_code=400, detail=str(e))
    return {"cancelled": True}
