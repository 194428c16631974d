from fastapi import APIRouter, HTTPException

from app.exceptions import ResourceExistsError, ResourceNotFoundError
from app.services import orders as order_service

router = APIRouter()


@router.get("/orders/{order_id}")
def read_order(order_id: int) -> dict[str, object]:
    try:
        return order_service.get_order(order_id)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e


@router.post("/orders/{order_id}")
def place_order(order_id: int, user_id: int, quantity: int) -> dict[str, object]:
    try:
        return order_service.place_order(order_id, user_id, quantity)
    except ResourceExistsError as e:
        raise HTTPException(status_code=409, detail=str(e)) from e
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
