"""The `alembic` transform on a small async FastAPI + SQLAlchemy app: after the repair, Alembic
builds the schema on an empty database with no drift, the app serves on it, and with
startup=upgrade the app brings up an empty database by itself. Every run of application code
happens in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.alembic import AlembicBootstrap
from fixit_codemods.writer import write_changes

APP = {
    "app/__init__.py": "",
    "app/config.py": """\
import os

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./app.db")
""",
    "app/database.py": """\
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from app import config

engine = create_async_engine(config.DATABASE_URL)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


async def init_db() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
""",
    "app/models.py": """\
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    projects: Mapped[list["Project"]] = relationship(back_populates="owner")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("owner_id", "name", name="uq_projects_owner_name"),
        Index("ix_projects_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    owner: Mapped[User] = relationship(back_populates="projects")
""",
    "app/main.py": """\
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import get_session, init_db
from app.models import Project, User


@asynccontextmanager
async def lifespan(app: FastAPI):
    await init_db()
    yield


app = FastAPI(lifespan=lifespan)


@app.post("/users")
async def create_user(email: str, name: str, session: AsyncSession = Depends(get_session)) -> dict:
    user = User(email=email, name=name)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        raise HTTPException(409, "email taken")
    return {"id": user.id}


@app.post("/users/{user_id}/projects")
async def create_project(user_id: int, name: str, session: AsyncSession = Depends(get_session)) -> dict:
    session.add(Project(owner_id=user_id, name=name))
    try:
        await session.commit()
    except IntegrityError:
        raise HTTPException(409, "duplicate project")
    return {"ok": True}


@app.get("/users/{user_id}/projects")
async def list_projects(user_id: int, session: AsyncSession = Depends(get_session)) -> list[str]:
    rows = await session.scalars(select(Project.name).where(Project.owner_id == user_id).order_by(Project.name))
    return list(rows)
""",
}

# Exercises the schema through the app: unique email, composite unique, foreign key, index use.
SCENARIO = """
import json
from fastapi.testclient import TestClient
from app.main import app

with TestClient(app) as client:
    outcome = [
        client.post("/users", params={"email": "a@x.io", "name": "Ann"}).status_code,
        client.post("/users", params={"email": "a@x.io", "name": "Bob"}).status_code,
        client.post("/users/1/projects", params={"name": "beta"}).status_code,
        client.post("/users/1/projects", params={"name": "alpha"}).status_code,
        client.post("/users/1/projects", params={"name": "alpha"}).status_code,
        client.get("/users/1/projects").json(),
    ]
print(json.dumps(outcome))
"""
EXPECTED_OUTCOME = [200, 409, 200, 200, 409, ["alpha", "beta"]]


def make_app(root: Path) -> None:
    for relpath, text in APP.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run_python(root: Path, database: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,  # callers assert on the outcome
    )


def scenario(root: Path, database: Path) -> list[object]:
    completed = run_python(root, database, "-c", SCENARIO)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def alembic(root: Path, database: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_python(root, database, "-m", "alembic", *arguments)


def apply(root: Path, **options: str):  # type: ignore[no-untyped-def]
    result = Engine([AlembicBootstrap(options)], jobs=1).run([root])
    assert not result.all_failures, result.all_failures
    write_changes(result.changes().values())
    return result


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    make_app(root)
    assert scenario(root, tmp_path / "before.db") == EXPECTED_OUTCOME  # the app works as written
    return root


def test_upgrade_builds_schema_without_drift_and_app_bootstraps_itself(project: Path, tmp_path: Path) -> None:
    result = apply(project)
    assert [site.action.value for site in result.sites] == ["changed"]
    assert "create_all" not in (project / "app/database.py").read_text()
    baselines = list((project / "alembic/versions").glob("*.py"))
    assert len(baselines) == 1 and "op.create_table('projects'" in baselines[0].read_text()

    migrated = tmp_path / "migrated.db"
    upgrade = alembic(project, migrated, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    assert {"users", "projects", "alembic_version"} <= tables(migrated)
    check = alembic(project, migrated, "check")
    assert check.returncode == 0 and "No new upgrade operations detected" in check.stdout, check.stderr
    assert scenario(project, migrated) == EXPECTED_OUTCOME

    fresh = tmp_path / "fresh.db"  # startup=upgrade: the app migrates an empty database itself
    assert scenario(project, fresh) == EXPECTED_OUTCOME
    assert {"users", "projects", "alembic_version"} <= tables(fresh)

    second = Engine([AlembicBootstrap()], jobs=1).run([project])
    assert second.changes() == {} and second.sites == []
    assert len(list((project / "alembic/versions").glob("*.py"))) == 1


def test_remove_leaves_the_schema_to_deployment(project: Path, tmp_path: Path) -> None:
    apply(project, startup="remove")
    assert "init_db" not in (project / "app/main.py").read_text()
    assert "def init_db" not in (project / "app/database.py").read_text()

    empty = tmp_path / "empty.db"
    completed = run_python(project, empty, "-c", SCENARIO)
    assert completed.returncode != 0 and "no such table" in completed.stderr  # startup creates nothing

    deployed = tmp_path / "deployed.db"
    assert alembic(project, deployed, "upgrade", "head").returncode == 0
    assert scenario(project, deployed) == EXPECTED_OUTCOME


def test_models_not_importable_keep_create_all_and_the_app_still_starts(project: Path, tmp_path: Path) -> None:
    before = {path: path.read_text() for path in project.rglob("*.py")}
    result = apply(project, python=str(tmp_path / "no-such-python"))
    assert [site.action.value for site in result.sites] == ["review"]
    assert "tried" in result.sites[0].message and "no-such-python" in result.sites[0].message
    assert {path: path.read_text() for path in project.rglob("*.py")} == before
    assert not (project / "alembic.ini").exists() and not (project / "alembic").exists()
    assert scenario(project, tmp_path / "empty.db") == EXPECTED_OUTCOME  # an empty database still works


def test_the_projects_own_virtual_environment_renders_the_baseline(project: Path, tmp_path: Path) -> None:
    # a stand-in for the project's .venv interpreter: it leaves a mark, then runs the real one
    marker = tmp_path / "used"
    python = project / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    result = apply(project)
    assert [site.action.value for site in result.sites] == ["changed"]
    assert marker.exists()
    assert len(list((project / "alembic/versions").glob("*.py"))) == 1


def test_interpreters_are_tried_from_the_most_specific(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fixit_codemods.transforms.alembic_support.baseline import project_interpreters

    active = tmp_path / "active"
    for folder in (tmp_path / "venv", active):
        (folder / "bin").mkdir(parents=True)
        (folder / "bin" / "python").write_text("")
        (folder / "bin" / "python").chmod(0o755)
    monkeypatch.setenv("VIRTUAL_ENV", str(active))
    assert project_interpreters("", tmp_path) == [
        str(tmp_path / "venv/bin/python"),
        str(active / "bin/python"),
        sys.executable,
    ]
    assert project_interpreters("/opt/python", tmp_path) == ["/opt/python"]


def test_an_app_run_from_its_own_folder_gets_imports_it_can_resolve(tmp_path: Path) -> None:
    """`uvicorn main:app` from `service/api`: the modules import each other by bare names."""
    root = tmp_path / "project"
    (root / "service" / "api").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "service/api/database.py").write_text(
        "import os\n\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import DeclarativeBase\n\n"
        'engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///./app.db"))\n\n\n'
        "class Base(DeclarativeBase):\n    pass\n"
    )
    (root / "service/api/models.py").write_text(
        "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom database import Base\n\n\n"
        'class Item(Base):\n    __tablename__ = "items"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
    )
    (root / "service/api/main.py").write_text(
        "from fastapi import FastAPI\n\nimport models  # noqa: F401\nfrom database import Base, engine\n\n"
        'app = FastAPI()\n\n\n@app.on_event("startup")\ndef startup() -> None:\n'
        "    Base.metadata.create_all(bind=engine)\n"
    )
    result = apply(root)
    assert [site.action.value for site in result.sites] == ["changed"]
    assert "from db_migrations import upgrade_database" in (root / "service/api/main.py").read_text()
    database = tmp_path / "fresh.db"
    completed = subprocess.run(
        [sys.executable, "-c", "from fastapi.testclient import TestClient\nimport main\nwith TestClient(main.app):\n    pass\n"],
        cwd=root / "service" / "api",
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert {"items", "alembic_version"} <= tables(database)


def test_what_the_models_import_writes_into_the_project_is_removed_again(tmp_path: Path) -> None:
    # a settings module that copies `.env.example` to `.env` and opens a log folder when imported
    root = tmp_path / "project"
    make_app(root)
    (root / ".env.example").write_text("DEBUG=1\n")
    config = root / "app/config.py"
    config.write_text(
        "import shutil\nfrom pathlib import Path\n\n"
        "HERE = Path(__file__).resolve().parent.parent\n"
        "if not (HERE / '.env').exists():\n"
        "    shutil.copy(HERE / '.env.example', HERE / '.env')\n"
        "(HERE / 'logs').mkdir(exist_ok=True)\n"
        "(HERE / 'logs' / 'app.log').write_text('started')\n"
        + config.read_text()
    )
    before = sorted(path.relative_to(root).as_posix() for path in root.rglob("*"))

    result = Engine([AlembicBootstrap()], jobs=1).run([root])

    assert [site.action.value for site in result.sites] == ["changed"]  # the baseline was rendered
    assert sorted(path.relative_to(root).as_posix() for path in root.rglob("*")) == before  # no .env, logs, pycache
    notes = [note for transform in result.transforms for note in transform.notes]
    assert any("created `.env`, `logs/app.log`" in note and "removed again" in note for note in notes), notes
