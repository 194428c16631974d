"""A service with its own exception classes: the message is built by each class's __init__."""

from datetime import date


class OfferError(Exception):
    """Base error of the offers service."""


class OfferExpiredError(OfferError):
    def __init__(self, offer_id: int, valid_until: date) -> None:
        self.offer_id = offer_id
        super().__init__(f"Offer {offer_id} expired on {valid_until}")


class OfferMissingError(OfferError):
    def __init__(self, offer_id: int) -> None:
        super().__init__(f"Offer {offer_id} does not exist")


OFFERS: dict[int, date] = {}


def accept(offer_id: int, today: date) -> int:
    if offer_id not in OFFERS:
        raise OfferMissingError(offer_id)
    if OFFERS[offer_id] < today:
        raise OfferExpiredError(offer_id, OFFERS[offer_id])
    return offer_id


def update(offer_id: int, today: date) -> int:
    # wraps whatever goes wrong, text included
    try:
        return accept(offer_id, today)
    except Exception as e:
        raise ValueError(f"Error updating offer: {e}") from e
