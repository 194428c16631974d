from fastapi import APIRouter, HTTPException

from app.services import orders as order_service

router = APIRouter()


@router.get("/orders/{order_id}")
def read_order(order_id: int) -> dict[str, object]:
    try:
        return order_service.get_order(order_id)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise


@router.post("/orders/{order_id}")
def place_order(order_id: int, user_id: int, quantity: int) -> dict[str, object]:
    try:
        return order_service.place_order(order_id, user_id, quantity)
    except ValueError as e:
        if "already exists" in str(e):
            raise HTTPException(status_code=409, detail=str(e))
        elif "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))
