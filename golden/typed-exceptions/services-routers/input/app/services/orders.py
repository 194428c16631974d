"""Order service: raises ValueError for every business rule it enforces."""

from app.services.users import get_user

ORDERS: dict[int, dict[str, object]] = {}


def get_order(order_id: int) -> dict[str, object]:
    if order_id not in ORDERS:
        raise ValueError(f"Order {order_id} not found")
    return ORDERS[order_id]


def place_order(order_id: int, user_id: int, quantity: int) -> dict[str, object]:
    get_user(user_id)
    if quantity <= 0:
        raise ValueError("Quantity must be positive")
    if order_id in ORDERS:
        raise ValueError(f"Order {order_id} already exists")
    ORDERS[order_id] = {"user": user_id, "quantity": quantity}
    return ORDERS[order_id]
