from fastapi import HTTPException

from app.errors import PermissionDeniedError, ResourceNotFoundError
from app.services.invoices import pay_invoice


def pay(invoice_id: int, amount: int) -> int:
    try:
        return pay_invoice(invoice_id, amount)
    except ResourceNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    except PermissionDeniedError as e:
        raise HTTPException(status_code=403, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
