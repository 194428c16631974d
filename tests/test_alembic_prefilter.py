"""alembic reads only what can matter: LibCST runs on a file only when the stdlib AST shows a
`create_all` call that can create a project's schema; names are resolved through the modules a
lookup reaches, the schema from the modules that spell its names; the model-import subprocess
starts only when a startup site is rewritten."""

from __future__ import annotations

import ast
import textwrap
from functools import cached_property
from pathlib import Path

import pytest
from fixit_codemods.api import Action
from fixit_codemods.engine import Engine
from fixit_codemods.sources import SourceFile
from fixit_codemods.transforms.alembic import AlembicBootstrap
from fixit_codemods.transforms.alembic_support import planning
from fixit_codemods.transforms.alembic_support.baseline import Baseline
from fixit_codemods.transforms.alembic_support.prefilter import has_candidate_site

# Library code of the kind that fooled the old version (SQLAlchemy's own modules): `create_all`
# in docstrings, a method of that name, and calls on metadata objects it was handed or built locally.
LIBRARY = textwrap.dedent('''
    """DDL helpers: call `Base.metadata.create_all(engine)` or `conn.run_sync(meta.create_all)`."""
    from sqlalchemy import MetaData


    class SchemaTool:
        def create_all(self, bind, tables=None):
            """Like MetaData.create_all, for `bind`."""
            self._meta.create_all(bind, tables=tables)

        def copy_to(self, bind):
            scratch = MetaData()
            scratch.create_all(bind)


    def reflect_into(meta, bind):
        meta.create_all(bind)


    async def reflect_async(conn, target):
        await conn.run_sync(target.create_all)
''') + "".join(f"\n\ndef helper_{n}(value: int = 0) -> int:\n    return value + {n}\n" for n in range(200))

LEGACY = 'print "Python 2: never read, this module spells nothing the transform looks for"\n'

DATABASE = """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import DeclarativeBase

    engine = create_engine("sqlite:///app.db")


    class Base(DeclarativeBase):
        pass


    def init_db() -> None:
        Base.metadata.create_all(engine)
"""

MAIN = """
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    from app.database import init_db


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        init_db()
        yield


    app = FastAPI(lifespan=lifespan)
"""


def spy_on(monkeypatch: pytest.MonkeyPatch, tree: str) -> set[str]:
    """Relative paths of the files whose `tree` ("ast" or "cst") gets built."""
    built: set[str] = set()
    build = getattr(SourceFile, tree).func

    def recording(source: SourceFile):  # type: ignore[no-untyped-def]
        built.add(source.relpath)
        return build(source)

    replacement = cached_property(recording)
    replacement.__set_name__(SourceFile, tree)
    monkeypatch.setattr(SourceFile, tree, replacement)
    return built


@pytest.fixture
def baselines(monkeypatch: pytest.MonkeyPatch) -> list[list[object]]:
    """The targets of every baseline requested: the model-import subprocess is never started."""
    requested: list[list[object]] = []

    def render(
        python: str, root: Path, sys_path: list[str], targets: list[object], engine: object
    ) -> Baseline:
        requested.append(list(targets))
        return Baseline()

    monkeypatch.setattr(planning, "render_baseline", render)
    return requested


def write_project(root: Path, files: dict[str, str]) -> Path:
    """`files` under `root`, a project of its own."""
    for relpath, text in {"pyproject.toml": "", **files}.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(textwrap.dedent(text).lstrip())
    return root


def test_library_mentions_are_never_parsed_with_libcst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baselines: list[list[object]]
) -> None:
    root = write_project(tmp_path, {"lib/__init__.py": "", "lib/ddl.py": LIBRARY, "lib/legacy.py": LEGACY})
    parsed_ast, parsed_cst = spy_on(monkeypatch, "ast"), spy_on(monkeypatch, "cst")
    result = Engine([AlembicBootstrap()], jobs=1).run([root])
    assert result.sites == [] and result.all_failures == []  # the Python 2 module was never read
    assert parsed_ast == {"lib/ddl.py"}
    assert parsed_cst == set()
    assert baselines == []


def test_a_real_site_is_parsed_and_the_library_beside_it_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baselines: list[list[object]]
) -> None:
    files = {"app/__init__.py": "", "app/database.py": DATABASE, "app/main.py": MAIN}
    root = write_project(tmp_path, {**files, "app/ddl.py": LIBRARY, "app/legacy.py": LEGACY})
    parsed_ast, parsed_cst = spy_on(monkeypatch, "ast"), spy_on(monkeypatch, "cst")
    result = Engine([AlembicBootstrap()], jobs=1).run([root])
    assert [(site.path, site.line, site.action) for site in result.sites] == [
        ("app/database.py", 12, Action.CHANGED)
    ]
    assert result.all_failures == []
    assert "app/legacy.py" not in parsed_ast
    assert parsed_cst == {"app/database.py"}
    assert [[target.key for target in targets] for targets in baselines] == [["app.database.Base.metadata"]]


def test_no_model_import_without_a_startup_site_to_rewrite(
    tmp_path: Path, baselines: list[list[object]]
) -> None:
    per_request = DATABASE.replace("def init_db()", "@router.get('/reset')\n    def init_db()")
    root = write_project(tmp_path, {"app/__init__.py": "", "app/database.py": per_request})
    result = Engine([AlembicBootstrap()], jobs=1).run([root])
    assert [(site.path, site.action) for site in result.sites] == [("app/database.py", Action.REVIEW)]
    assert baselines == []


def test_models_are_found_through_renamed_re_exports(tmp_path: Path, baselines: list[list[object]]) -> None:
    files = {
        "app/__init__.py": "from app.database import Base as ModelBase\n",
        "app/database.py": DATABASE,
        "app/main.py": MAIN,
        "app/models/__init__.py": "",
        "app/models/user.py": """
            from sqlalchemy.orm import Mapped, mapped_column

            from app import ModelBase as Model

            Entity = Model


            class User(Entity):
                __tablename__ = "users"
                id: Mapped[int] = mapped_column(primary_key=True)
        """,
        "app/models/unrelated.py": "class Settings:\n    debug = False\n",
    }
    result = Engine([AlembicBootstrap()], jobs=1).run([write_project(tmp_path, files)])
    assert [site.action for site in result.sites] == [Action.CHANGED]
    [[target]] = baselines
    assert target.model_modules == ("app.models.user",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "code",
    [
        "Base.metadata.create_all(engine)",
        "async def f(conn):\n    await conn.run_sync(Base.metadata.create_all)",
        "async def f(conn):\n    await conn.run_sync(fn=meta.create_all)",
        "def f(engine):\n    meta.create_all(engine)",
        "def f(engine):\n    global meta\n    meta = build()\n    meta.create_all(engine)",
        "def f(engine):\n    from app.db import meta\n    meta.create_all(engine)",
        "def f(engine):\n    meta: MetaData\n    meta.create_all(engine)",
        "def f(metadata, engine):\n    metadata.create_all(engine)",  # left for review
        "def f(self, engine):\n    self.metadata.create_all(engine)",  # left for review
        "def f(engine):\n    get_base().metadata.create_all(engine)",  # left for review
        "def f(engines):\n    [meta.create_all(e) for e in engines]",
    ],
)
def test_shapes_that_reach_libcst(code: str) -> None:
    assert has_candidate_site(ast.parse(code))


@pytest.mark.parametrize(
    "code",
    [
        '"""Call Base.metadata.create_all(engine)."""',
        "# Base.metadata.create_all(engine)\nx = 1",
        "def create_all(bind):\n    pass",
        "def f(meta, engine):\n    meta.create_all(engine)",
        "def f(engine):\n    meta = MetaData()\n    meta.create_all(engine)",
        "def f(self, engine):\n    self.meta.create_all(engine)",
        "async def f(conn, meta):\n    await conn.run_sync(meta.create_all)",
        "run = lambda meta, engine: meta.create_all(engine)",
        "def f(engine):\n    for meta in metas:\n        meta.create_all(engine)",
    ],
)
def test_shapes_that_cannot_be_a_project_schema(code: str) -> None:
    assert not has_candidate_site(ast.parse(code))


REDUCED_COPY_CASE = '''\
from app.db import Base, engine
import logging

# a form feed \x0c and a line separator \u2028 break lines for str.splitlines, not for Python
@decorated
def unrelated(x):
    """A long helper the plan need not read: \u2028 \x0c"""
    return x + 1


class Service:
    limit = 3

    def helper(self):
        return self.limit

    async def reset(self):
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)


def binds_a_global():
    global late_metadata
    late_metadata = Base.metadata


async def startup():
    logging.info("start")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    late_metadata.create_all(engine)
'''


def test_the_plan_reads_the_same_sites_from_the_reduced_copy_as_from_the_whole_file() -> None:
    from fixit_codemods.transforms.alembic_support.sites import (
        _without_unrelated_definitions,
        find_sites,
        site_facts_of,
    )

    def fresh() -> SourceFile:
        return SourceFile(Path("/p/app/main.py"), "app/main.py", "app.main", False, REDUCED_COPY_CASE.encode())

    reduced = _without_unrelated_definitions(fresh())
    assert reduced is not None and "return x + 1" not in reduced and "return self.limit" not in reduced
    assert "global late_metadata" in reduced  # a function binding a module name stays
    assert reduced.count("\n") == REDUCED_COPY_CASE.count("\n")  # every line where it was
    whole = [found.facts for found in find_sites(fresh())]
    assert len(whole) == 4
    assert site_facts_of(fresh()) == whole
