"""`typed-exceptions` on a running FastAPI app: every request gets the same status and body before
and after the transform, including requests whose ValueError comes from raises the tool could not
convert (a helper that raises a message looked up in a table, `int()` inside the try block).

The app lives in tmp_path (package `shop`); each run happens in a subprocess that drives it with
FastAPI's TestClient and prints the (status, body) of each request as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixit_codemods.api import Action
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.typed_exceptions import TypedExceptions
from fixit_codemods.writer import write_changes

RUFF = Path(sys.executable).with_name("ruff")

SERVICES = '''
"""Business rules, reported as ValueError with a message."""

ITEMS: dict[str, int] = {}
OWNERS: dict[str, str] = {}
REASONS = {"expired": "Coupon expired", "used": "Coupon already used"}
COUPONS = {"WELCOME": 10}


def _reject(reason: str) -> None:
    # the message comes from a table: the tool cannot convert this raise
    raise ValueError(REASONS[reason])


def add_item(name: str, price: int, owner: str) -> int:
    if price <= 0:
        raise ValueError("Price must be positive")
    if name in ITEMS:
        raise ValueError(f"Item {name!r} already exists")
    ITEMS[name] = price
    OWNERS[name] = owner
    return price


def get_item(name: str) -> int:
    if name not in ITEMS:
        msg = f"Item {name!r} not found"
        raise ValueError(msg)
    return ITEMS[name]


def remove_item(name: str, user: str) -> None:
    get_item(name)
    if OWNERS[name] != user:
        raise ValueError(f"User {user} has no permission to remove {name}")
    del ITEMS[name]


def redeem(code: str) -> int:
    if code.startswith("OLD"):
        _reject("expired")
    if code == "TWICE":
        _reject("used")
    if code not in COUPONS:
        raise ValueError(f"Coupon {code} not found")
    return COUPONS.pop(code)


PROVIDERS: dict[str, str] = {}


class ProviderCRUD:
    """Raises reached only through a method of a project class (the audited shape)."""

    def __init__(self, registry: dict[str, str]) -> None:
        self.registry = registry

    def create(self, name: str, url: str) -> str:
        if name in self.registry:
            raise ValueError(f"Provider {name} already exists")
        if not url.startswith("https://"):
            raise ValueError("Provider URL has to use https")
        self.registry[name] = url
        return url
'''

ROUTES = """
from fastapi import FastAPI, HTTPException

from shop import services

app = FastAPI()


@app.post("/items/{name}")
def create(name: str, price: int, owner: str = "ada") -> dict[str, int]:
    try:
        return {"price": services.add_item(name, price, owner)}
    except ValueError as e:
        if "already exists" in str(e):
            raise HTTPException(status_code=409, detail=str(e))
        elif "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


@app.get("/items/{name}")
def read(name: str) -> dict[str, int]:
    try:
        return {"price": services.get_item(name)}
    except ValueError as e:
        if "not found" in str(e).lower():
            raise HTTPException(status_code=404, detail=str(e))
        raise


@app.delete("/items/{name}")
def delete(name: str, user: str) -> dict[str, bool]:
    try:
        services.remove_item(name, user)
    except ValueError as e:
        message = str(e)
        if "permission" in message:
            raise HTTPException(status_code=403, detail=message)
        if "not found" in message:
            raise HTTPException(status_code=404, detail=message)
        raise HTTPException(status_code=400, detail=message)
    return {"deleted": True}


@app.post("/coupons/{code}")
def redeem(code: str) -> dict[str, int]:
    try:
        return {"discount": services.redeem(code)}
    except ValueError as e:
        if "expired" in str(e):
            raise HTTPException(status_code=410, detail=str(e))
        if "already" in str(e):
            raise HTTPException(status_code=409, detail=str(e))
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))


@app.get("/prices/{name}")
def price_in(name: str, factor: str) -> dict[str, int]:
    try:
        return {"price": services.get_item(name) * int(factor)}
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(status_code=404, detail=str(e))
        raise HTTPException(status_code=422, detail=str(e))


@app.post("/providers/{name}")
def create_provider(name: str, url: str) -> dict[str, str]:
    try:
        crud = services.ProviderCRUD(services.PROVIDERS)
        return {"url": crud.create(name, url)}
    except ValueError as e:
        if "already exists" in str(e):
            raise HTTPException(status_code=409, detail=str(e))
        raise HTTPException(status_code=400, detail=str(e))
"""

CLIENT = """
import json
import sys

sys.path.insert(0, sys.argv[1])

from fastapi.testclient import TestClient

from shop.routes import app

REQUESTS = [
    ("post", "/items/lamp?price=30"),
    ("post", "/items/lamp?price=30"),
    ("post", "/items/chair?price=0"),
    ("post", "/items/desk?price=abc"),
    ("get", "/items/lamp"),
    ("get", "/items/sofa"),
    ("delete", "/items/lamp?user=bob"),
    ("delete", "/items/sofa?user=ada"),
    ("delete", "/items/lamp?user=ada"),
    ("post", "/coupons/OLD-1"),
    ("post", "/coupons/TWICE"),
    ("post", "/coupons/NOPE"),
    ("post", "/coupons/WELCOME"),
    ("post", "/items/vase?price=5"),
    ("get", "/prices/vase?factor=3"),
    ("get", "/prices/vase?factor=x"),
    ("get", "/prices/ghost?factor=2"),
    ("get", "/prices/vase?factor=not found"),
    ("post", "/providers/llm?url=https://llm.example"),
    ("post", "/providers/llm?url=https://llm.example"),
    ("post", "/providers/db?url=http://db.example"),
]

client = TestClient(app, raise_server_exceptions=False)
answers = []
for method, url in REQUESTS:
    response = getattr(client, method)(url)
    answers.append([method, url, response.status_code, response.text])
print(json.dumps(answers))
"""


def build_app(root: Path) -> Path:
    package = root / "shop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text(textwrap.dedent(SERVICES).lstrip())
    (package / "routes.py").write_text(textwrap.dedent(ROUTES).lstrip())
    return package


def answers(root: Path) -> list[list[object]]:
    completed = subprocess.run(
        [sys.executable, "-c", CLIENT, str(root)], capture_output=True, text=True, timeout=120, cwd=root
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def apply(root: Path) -> list[tuple[str, str, str]]:
    result = Engine([TypedExceptions()], jobs=1).run([root])
    assert not result.all_failures, result.all_failures
    write_changes(result.changes().values())
    return [(site.action.value, f"{site.path}:{site.line}", site.message) for site in result.sites]


@pytest.fixture(scope="module")
def shop(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[list[object]], list[tuple[str, str, str]]]:
    root = tmp_path_factory.mktemp("shop")
    build_app(root)
    before = answers(root)
    sites = apply(root)
    return root, before, sites


def test_every_request_gets_the_same_answer(shop: tuple[Path, list[list[object]], list]) -> None:
    root, before, _ = shop
    after = answers(root)
    assert after == before
    statuses = [status for _, _, status, _ in before]
    # every branch is exercised: typed ones, the kept string tests, the untouched handler
    assert statuses == [
        200,
        409,
        400,
        422,
        200,
        404,
        403,
        404,
        200,
        410,
        409,
        404,
        200,
        200,
        200,
        422,
        404,
        404,
        200,
        409,
        400,
    ]


def test_the_app_was_really_rewritten(shop: tuple[Path, list[list[object]], list]) -> None:
    root, _, sites = shop
    routes = (root / "shop" / "routes.py").read_text()
    services = (root / "shop" / "services.py").read_text()
    exceptions = (root / "shop" / "exceptions.py").read_text()
    assert "class ResourceExistsError(ValueError)" in exceptions
    assert "class PermissionDeniedError(ValueError)" in exceptions
    assert "except ResourceExistsError as e:" in routes
    assert "except PermissionDeniedError as e:" in routes
    assert 'raise ResourceExistsError(f"Item {name!r} already exists")' in services
    assert "raise ValueError(REASONS[reason])" in services  # the helper stays as it was
    assert 'raise ResourceNotFoundError(f"Coupon {code} not found")' in services
    assert 'if "expired" in str(e):' in routes and 'if "already" in str(e):' in routes
    changed = {where: message for action, where, message in sites if action == Action.CHANGED.value}
    assert set(changed) >= {
        "shop/routes.py:12",
        "shop/routes.py:24",
        "shop/routes.py:34",
        "shop/routes.py:48",
    }
    assert "services.py:5" in changed["shop/routes.py:48"]  # coupons: string tests kept for the table
    # the try block calls int(), whose own ValueError may hold "not found": typed clause first,
    # the string test kept after it (the request with factor="not found" answers 404 still)
    assert "string test kept" in changed["shop/routes.py:62"] and "`int`" in changed["shop/routes.py:62"]
    assert 'except ResourceNotFoundError as e:\n        raise HTTPException(status_code=404' in routes
    # raises reached through `crud = ProviderCRUD(...)` then `crud.create(...)` (semantic model)
    assert "ResourceExistsError" in changed["shop/routes.py:73"]
    assert 'raise ResourceExistsError(f"Provider {name} already exists")' in services


def test_imports_are_clean_and_a_second_run_changes_nothing(
    shop: tuple[Path, list[list[object]], list],
) -> None:
    root, _, _ = shop
    lint = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--select", "F401,F811,F821", str(root)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    again = Engine([TypedExceptions()], jobs=1).run([root])
    assert not again.changes()
    assert not again.all_failures


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    from fixit_codemods.cli.main import app
    from typer.testing import CliRunner

    package = build_app(tmp_path)
    before = {path.name: path.read_bytes() for path in package.iterdir()}
    outcome = CliRunner().invoke(app, ["apply", "typed-exceptions", str(tmp_path), "--dry-run"])
    assert "+class ResourceExistsError(ValueError):" in outcome.stdout
    assert {path.name: path.read_bytes() for path in package.iterdir()} == before


NAMESPACE_CLIENT = """
import json
import sys

sys.path.insert(0, sys.argv[1])

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.routers.users import router

app = FastAPI()
app.include_router(router)
client = TestClient(app, raise_server_exceptions=False)
print(json.dumps([[url, (r := client.get(url)).status_code, r.text] for url in ("/users/1", "/users/2", "/users/x")]))
"""


def test_a_package_below_a_namespace_folder(tmp_path: Path) -> None:
    """`app/` has no `__init__.py` and the code imports `app.services.users`: the classes go to
    `app/exceptions.py`, imported as `app.exceptions` by the service and the router, and every
    request is answered as before."""
    golden = Path(__file__).resolve().parent.parent / "golden" / "typed-exceptions" / "namespace_package" / "input"
    import shutil

    shutil.copytree(golden, tmp_path, dirs_exist_ok=True)

    def run() -> list[list[object]]:
        completed = subprocess.run(
            [sys.executable, "-c", NAMESPACE_CLIENT, str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    before = run()
    assert [status for _, status, _ in before] == [200, 404, 422]
    sites = apply(tmp_path)
    assert [action for action, _, _ in sites] == ["changed", "changed"]
    assert "from app.exceptions import ResourceNotFoundError" in (tmp_path / "app" / "services" / "users.py").read_text()
    assert run() == before
