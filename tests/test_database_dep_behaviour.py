"""database-dep on a small FastAPI app: FastAPI sees the same parameters after the rewrite (same
OpenAPI document, same answers), direct keyword callers keep working, and ruff stays clean."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixit_codemods.api import Action
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.database_dep import DatabaseDep
from fixit_codemods.writer import write_changes

RUFF = Path(sys.executable).parent / "ruff"

APP_FILES = {
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/database.py": """
        from collections.abc import AsyncIterator
        from typing import Annotated

        from fastapi import Depends
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

        engine = create_async_engine("sqlite+aiosqlite://")
        SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


        async def get_db_session() -> AsyncIterator[AsyncSession]:
            async with SessionLocal() as session:
                yield session


        get_session = get_db_session

        DatabaseDep = Annotated[AsyncSession, Depends(get_db_session)]


        async def scalar(session: AsyncSession, sql: str) -> int:
            return (await session.execute(text(sql))).scalar_one()
    """,
    "app/api/items.py": """
        from typing import Annotated

        from fastapi import APIRouter, Depends, Query
        from sqlalchemy.ext.asyncio import AsyncSession

        from app.database import get_session, scalar

        router = APIRouter()


        async def row_limit(limit: int = Query(10, le=100), session: AsyncSession = Depends(get_session)) -> int:
            return min(limit, await scalar(session, "select 5"))


        @router.get("/items/{item_id}")
        async def read_item(
            item_id: int,
            verbose: bool = False,  # extra detail
            session: AsyncSession = Depends(get_session),
            limit: int = Depends(row_limit),
        ):
            return {"id": item_id, "verbose": verbose, "one": await scalar(session, "select 1"), "limit": limit}


        @router.get("/items")
        async def list_items(session: Annotated[AsyncSession, Depends(get_session)], q: str | None = None):
            return {"q": q, "two": await scalar(session, "select 2")}


        @router.post("/items", status_code=201)
        async def create_item(name: str, session: AsyncSession = Depends(get_session, use_cache=False)):
            return {"name": name, "three": await scalar(session, "select 3")}
    """,
    "app/api/users.py": """
        from fastapi import APIRouter, Depends

        from ..database import get_db_session, scalar

        router = APIRouter()


        @router.get("/users/{user_id}", dependencies=[Depends(get_db_session)])
        async def read_user(user_id: int, page: int = 1, session=Depends(dependency=get_db_session)):
            return {"user": user_id, "page": page, "four": await scalar(session, "select 4")}
    """,
    "app/main.py": """
        from fastapi import FastAPI

        from app.api import items, users

        app = FastAPI()
        app.include_router(items.router)
        app.include_router(users.router)
    """,
}

# Imports the app, and prints its OpenAPI document, the answers to a set of requests, and the
# result of calling a dependency function directly by keyword.
PROBE = """
import asyncio, json
from fastapi.testclient import TestClient
from app.main import app
from app.database import SessionLocal
from app.api.items import row_limit

requests = [
    ("get", "/items/7"), ("get", "/items/7?verbose=true"), ("get", "/items/7?limit=3"),
    ("get", "/items/7?limit=500"), ("get", "/items"), ("get", "/items?q=x"),
    ("post", "/items?name=n"), ("post", "/items"), ("get", "/users/3?page=2"), ("get", "/users/x"),
]
with TestClient(app) as client:
    answers = [[method, url, (r := client.request(method, url)).status_code, r.json()] for method, url in requests]

async def direct_call():
    async with SessionLocal() as session:
        return await row_limit(limit=3, session=session)

print(json.dumps({"openapi": app.openapi(), "answers": answers, "direct": asyncio.run(direct_call())}))
"""


def write_app(root: Path) -> None:
    for relpath, text in APP_FILES.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def probe(root: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def ruff_problems(root: Path) -> str:
    completed = subprocess.run(
        [
            str(RUFF),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "F401,F811,F821",
            "--output-format",
            "concise",
            ".",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if completed.returncode == 0 else completed.stdout + completed.stderr


@pytest.fixture
def app_root(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_app(root)
    return root


def test_fastapi_sees_the_same_parameters_after_the_rewrite(app_root: Path) -> None:
    before = probe(app_root)
    assert not ruff_problems(app_root)

    result = Engine([DatabaseDep()], jobs=1).run([app_root])
    write_changes(result.changes().values())

    assert not result.all_failures
    changed = [site for site in result.sites if site.action is Action.CHANGED]
    assert sorted((s.path, s.line) for s in changed) == [
        ("app/api/items.py", 11),
        ("app/api/items.py", 19),
        ("app/api/items.py", 26),
        ("app/api/users.py", 9),
    ]
    items = (app_root / "app/api/items.py").read_text()
    assert "    *,\n    session: DatabaseDep,\n" in items  # made keyword-only, order kept
    assert "Depends(get_session, use_cache=False)" in items  # left alone
    assert "page: int = 1, *, session: DatabaseDep" in (app_root / "app/api/users.py").read_text()

    after = probe(app_root)
    assert after["openapi"] == before["openapi"]
    assert after["answers"] == before["answers"]
    assert after["direct"] == before["direct"] == 3
    assert not ruff_problems(app_root)


def test_second_run_changes_nothing(app_root: Path) -> None:
    write_changes(Engine([DatabaseDep()], jobs=1).run([app_root]).changes().values())
    assert not Engine([DatabaseDep()], jobs=1).run([app_root]).changes()


def test_dry_run_writes_nothing(app_root: Path) -> None:
    files = sorted(app_root.rglob("*.py"))
    contents = [path.read_bytes() for path in files]
    completed = subprocess.run(
        [sys.executable, "-m", "fixit_codemods.cli.main", "apply", "database-dep", str(app_root), "--dry-run", "-j", "1"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "+async def list_items(session: DatabaseDep" in completed.stdout, completed.stderr
    assert [path.read_bytes() for path in files] == contents


NAMESPACE_PROBE = """
import json

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.routers.users import router

app = FastAPI()
app.include_router(router)
print(json.dumps({"answer": TestClient(app).get("/users").json(), "openapi": app.openapi()["paths"]}))
"""


def test_a_package_below_a_namespace_folder_imports_the_alias_as_its_code_does(tmp_path: Path) -> None:
    """`app/` has no `__init__.py` and the router imports `app.db.session`: the alias comes from
    `app.db.session` too (`db.session` only resolves from inside `app/`), and the app still runs."""
    import shutil

    golden = Path(__file__).resolve().parent.parent / "golden" / "database-dep" / "namespace_package" / "input"
    shutil.copytree(golden, tmp_path, dirs_exist_ok=True)

    def run() -> dict:
        completed = subprocess.run(
            [sys.executable, "-c", NAMESPACE_PROBE], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120
        )
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    before = run()
    result = Engine([DatabaseDep()], jobs=1).run([tmp_path])
    write_changes(result.changes().values())
    assert [site.action for site in result.sites] == [Action.CHANGED]
    assert "from app.db.session import DatabaseDep" in (tmp_path / "app/routers/users.py").read_text()
    assert run() == before
