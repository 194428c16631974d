from datetime import date

from fastapi import HTTPException
from fastapi.responses import RedirectResponse

from app.offers import OfferExpiredError, OfferMissingError, accept, update


def accept_endpoint(offer_id: int) -> object:
    # OfferExpiredError is the only class the try block raises whose message says "expired"
    try:
        accept(offer_id, date.today())
    except OfferExpiredError:
        return RedirectResponse(url=f"/offers/{offer_id}?message=expired", status_code=303)
    except Exception as exc:
        error_msg = str(exc).lower()
        if "expired" in error_msg:
            return RedirectResponse(url=f"/offers/{offer_id}?message=expired", status_code=303)
        raise
    return RedirectResponse(url=f"/offers/{offer_id}", status_code=303)


def validate_endpoint(offer_id: int) -> dict[str, int]:
    # the 400 raised here would become a 500: it is re-raised first
    try:
        if offer_id < 0:
            raise HTTPException(status_code=400, detail="Invalid offer id")
        return {"offer": accept(offer_id, date.today())}
    except HTTPException:
        raise
    except OfferMissingError as e:
        raise HTTPException(status_code=404, detail="Offer not found") from e
    except Exception as e:
        if "does not exist" in str(e):
            raise HTTPException(status_code=404, detail="Offer not found") from e
        else:
            raise HTTPException(status_code=500, detail=str(e)) from e


def update_endpoint(offer_id: int) -> int:
    # the service wraps the typed errors into plain ValueErrors: the string test stays
    try:
        return update(offer_id, date.today())
    except ValueError as e:
        if "expired" in str(e):
            raise HTTPException(status_code=410, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


def ping_queue(client: object) -> str:
    # a third-party error's text, and nothing the project raises: left as it is
    try:
        return str(client)
    except Exception as e:
        if "BUSYGROUP" in str(e):
            return "exists"
        raise
