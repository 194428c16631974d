from fastapi import HTTPException

from app.services.invoices import pay_invoice


def pay(invoice_id: int, amount: int) -> int:
    try:
        return pay_invoice(invoice_id, amount)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        if "not allowed" in str(e):
            raise HTTPException(status_code=403, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))
