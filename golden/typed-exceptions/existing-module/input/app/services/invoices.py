from app.errors import ResourceNotFoundError

INVOICES: dict[int, int] = {}


def get_invoice(invoice_id: int) -> int:
    if invoice_id not in INVOICES:
        raise ResourceNotFoundError(f"Invoice {invoice_id} not found")
    return INVOICES[invoice_id]


def pay_invoice(invoice_id: int, amount: int) -> int:
    total = get_invoice(invoice_id)
    if amount > total:
        raise ValueError(f"Invoice {invoice_id}: amount not allowed, {amount} exceeds the total")
    if amount == total and invoice_id < 0:
        raise ValueError("Invoice not found in the ledger")
    INVOICES[invoice_id] = total - amount
    return INVOICES[invoice_id]
