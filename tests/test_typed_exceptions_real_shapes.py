"""`typed-exceptions` on the shapes real backends have, on a running FastAPI app: raises behind a
service class that also reaches code the model cannot follow, `except Exception` handlers with the
project's own exception classes and an HTTPException raised inside the try block, a service that
re-wraps errors, a status picked by a conditional expression, a log line between two tests.

Every request answers with the same status and body before and after, except the one the issue
asks to change: the 400 raised inside an `except Exception` try block reaches the client as a 400
instead of being turned into a 500.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.typed_exceptions import TypedExceptions
from fixit_codemods.writer import write_changes

SERVICE = '''
"""Offers: a service class, its own exception classes, and a wrapper that re-raises as ValueError."""

import logging

logger = logging.getLogger(__name__)


class OfferError(Exception):
    """Base error of the offers service."""


class OfferExpiredError(OfferError):
    def __init__(self, offer_id: str) -> None:
        super().__init__(f"Offer {offer_id} expired yesterday")


OFFERS: dict[str, str] = {"live": "open", "old": "expired", "gone": "missing", "dup1": "open"}


class OfferStore:
    def __init__(self, rows: dict[str, str]) -> None:
        self.rows = rows

    def scoped(self, query, owner: str):
        return query.where(owner) if query is not None else None

    def status(self, offer_id: str) -> str:
        if offer_id not in self.rows:
            raise ValueError(f"Offer {offer_id} not found")
        return self.rows[offer_id]


class OfferService:
    def __init__(self, store: OfferStore) -> None:
        self.store = store

    def accept(self, offer_id: str, query=None) -> str:
        self.store.scoped(query, offer_id)
        status = self.store.status(offer_id)
        if status == "expired":
            raise OfferExpiredError(offer_id)
        if status == "missing":
            raise ValueError(f"Offer {offer_id} not found any more")
        if offer_id.startswith("dup"):
            raise ValueError(f"Offer {offer_id} already accepted")
        return status


def update(offer_id: str) -> str:
    try:
        return OfferService(OfferStore(OFFERS)).accept(offer_id)
    except Exception as e:
        raise ValueError(f"Error updating offer: {e}") from e
'''

ROUTES = '''
import logging

from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse

from offers.service import OFFERS, OfferService, OfferStore, update

app = FastAPI()
logger = logging.getLogger(__name__)


@app.post("/accept/{offer_id}")
def accept(offer_id: str) -> dict[str, str]:
    try:
        service = OfferService(OfferStore(OFFERS))
        return {"status": service.accept(offer_id, None)}
    except ValueError as e:
        if "not found" in str(e).lower():
            raise HTTPException(status_code=404, detail=str(e))
        logger.warning("refused: %s", e)
        if "already" in str(e):
            raise HTTPException(status_code=409, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


@app.post("/portal/{offer_id}")
def portal(offer_id: str):
    try:
        OfferService(OfferStore(OFFERS)).accept(offer_id)
    except Exception as exc:
        error_msg = str(exc).lower()
        if "expired" in error_msg:
            return RedirectResponse(url="/portal?message=expired", status_code=303)
        raise HTTPException(status_code=400, detail=error_msg)
    return RedirectResponse(url="/portal?message=ok", status_code=303)


@app.get("/validate/{offer_id}")
def validate(offer_id: str) -> dict[str, str]:
    try:
        if offer_id == "bad":
            raise HTTPException(status_code=400, detail="Invalid offer id")
        return {"status": OfferService(OfferStore(OFFERS)).accept(offer_id)}
    except Exception as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail="Offer not found")
        else:
            raise HTTPException(status_code=500, detail=str(e))


@app.put("/offers/{offer_id}")
def put(offer_id: str) -> dict[str, str]:
    try:
        return {"status": update(offer_id)}
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


@app.get("/status/{offer_id}")
def status(offer_id: str) -> dict[str, str]:
    try:
        return {"status": OfferStore(OFFERS).status(offer_id)}
    except ValueError as e:
        detail = str(e)
        code = 404 if "not found" in detail else 400
        raise HTTPException(status_code=code, detail=detail)
'''

CLIENT = """
import json
import sys

sys.path.insert(0, sys.argv[1])

from fastapi.testclient import TestClient

from offers.routes import app

REQUESTS = [
    ("post", "/accept/live"), ("post", "/accept/nope"), ("post", "/accept/gone"),
    ("post", "/accept/old"), ("post", "/accept/dup1"),
    ("post", "/portal/live"), ("post", "/portal/old"), ("post", "/portal/nope"),
    ("get", "/validate/live"), ("get", "/validate/nope"), ("get", "/validate/old"), ("get", "/validate/bad"),
    ("put", "/offers/live"), ("put", "/offers/nope"), ("put", "/offers/old"),
    ("get", "/status/live"), ("get", "/status/nope"),
]
client = TestClient(app, raise_server_exceptions=False)
print(json.dumps([[m, u, *(lambda r: [r.status_code, r.text])(getattr(client, m)(u, follow_redirects=False))]
                  for m, u in REQUESTS]))
"""


def answers(root: Path) -> list[list[object]]:
    completed = subprocess.run(
        [sys.executable, "-c", CLIENT, str(root)], capture_output=True, text=True, timeout=120, cwd=root
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def offers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[object]], list[list[object]], dict]:
    root = tmp_path_factory.mktemp("offers")
    package = root / "offers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text(textwrap.dedent(SERVICE).lstrip())
    (package / "routes.py").write_text(textwrap.dedent(ROUTES).lstrip())
    before = answers(root)
    result = Engine([TypedExceptions()], jobs=1).run([root])
    assert not result.all_failures, result.all_failures
    write_changes(result.changes().values())
    sites = {f"{site.path}:{site.line}": (site.action.value, site.message) for site in result.sites}
    after = answers(root)
    second = Engine([TypedExceptions()], jobs=1).run([root])
    assert not second.changes(), sorted(second.changes())
    return root, before, after, sites


def test_every_request_answers_as_before_but_the_swallowed_http_error(offers: tuple) -> None:
    _, before, after, _ = offers
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    # the one change wanted: the 400 raised inside the try block is no longer turned into a 500
    assert changed == [(["get", "/validate/bad", 500, '{"detail":"400: Invalid offer id"}'],
                        ["get", "/validate/bad", 400, '{"detail":"Invalid offer id"}'])]
    assert [status for _, _, status, _ in before] == [
        200, 404, 404, 500, 409, 303, 303, 400, 200, 404, 500, 500, 200, 404, 400, 200, 404
    ]


def test_each_shape_was_rewritten(offers: tuple) -> None:
    root, _, _, sites = offers
    routes = (root / "offers" / "routes.py").read_text()
    service = (root / "offers" / "service.py").read_text()
    # the service class: typed first; `.where` on an untyped value keeps the string test after it
    assert "except ResourceNotFoundError as e:" in routes
    assert 'raise ResourceNotFoundError(f"Offer {offer_id} not found")' in service
    assert "string test kept" in sites["offers/routes.py:17"][1]
    # except Exception: the project's own OfferExpiredError, caught by type (no twin class)
    assert "except OfferExpiredError:" in routes and "class ExpiredError" not in routes + service
    # the HTTPException raised in the try block is re-raised before the handler can re-map it
    assert "except HTTPException:\n        raise\n" in routes
    # the wrapper: its ValueError holds the typed error's text, so that handler keeps its test
    assert 'if "not found" in str(e):\n            raise HTTPException(status_code=404, detail=str(e))' in routes
    # the conditional expression became a typed clause and a default
    assert "code = 404\n" in routes
