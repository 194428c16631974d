"""Project-wide name resolution: imports, module aliases, re-exports, `x = y` aliases."""

from __future__ import annotations

from pathlib import Path

from conftest import write
from fixit_codemods.engine import load_sources
from fixit_codemods.index import ProjectIndex, module_facts, resolve_relative
from fixit_codemods.project import Project


def index_of(root: Path) -> ProjectIndex:
    groups, failures, _ = load_sources([root], root, root, (), ())
    assert not failures
    return Project(root, groups[root], jobs=1).index()


def test_resolve_relative() -> None:
    assert resolve_relative("app.api.routes", False, 1, "db") == "app.api.db"
    assert resolve_relative("app.api.routes", False, 2, "db") == "app.db"
    assert resolve_relative("app.api", True, 1, "routes") == "app.api.routes"
    assert resolve_relative("app.api", True, 2, None) == "app"
    assert resolve_relative("x", False, 0, "os.path") == "os.path"


def test_resolution_across_modules(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "from .db import get_db_session as get_session\n")
    write(tmp_path / "app" / "db.py", (
        "from contextlib import asynccontextmanager\n"
        "async def get_db_session():\n    yield 1\n\n"
        "async def stream():\n    yield 1\n    yield 2\n\n"
        "get_session = get_db_session\n"
        "class Base: ...\n"
    ))
    write(tmp_path / "app" / "api" / "__init__.py", "")
    write(tmp_path / "app" / "api" / "routes.py", (
        "from .. import db as database\n"
        "from ..db import get_session\n"
        "from app import get_session as reexported\n"
        "import app.db\n"
        "import app.db as dbmod\n"
        "from fastapi import Depends\n"
    ))
    index = index_of(tmp_path)
    routes = "app.api.routes"
    assert index.resolve(routes, "database.get_db_session") == "app.db.get_db_session"
    assert index.resolve(routes, "get_session") == "app.db.get_db_session"
    assert index.resolve(routes, "reexported") == "app.db.get_db_session"
    assert index.resolve(routes, "app.db.stream") == "app.db.stream"
    assert index.resolve(routes, "dbmod.Base") == "app.db.Base"
    assert index.resolve(routes, "Depends") == "fastapi.Depends"
    assert index.resolve(routes, "len") == "len"
    function = index.function(index.resolve(routes, "get_session"))
    assert function is not None and function.is_async_generator and function.yields == 1
    stream = index.function("app.db.stream")
    assert stream is not None and stream.yields == 2
    assert index.is_project_name("app.db.Base") and not index.is_project_name("fastapi.Depends")


def test_yields_in_nested_functions_are_not_counted(tmp_path: Path) -> None:
    write(tmp_path / "m.py", (
        "async def outer():\n"
        "    def inner():\n        yield 1\n"
        "    lam = lambda: (yield)\n"
        "    yield 2\n"
    ))
    groups, _, _ = load_sources([tmp_path], tmp_path, tmp_path, (), ())
    facts = module_facts(groups[tmp_path][0])
    assert facts.functions["outer"].yields == 1


def test_import_cycles_do_not_hang(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "a.py", "from .b import thing\n")
    write(tmp_path / "pkg" / "b.py", "from .a import thing\n")
    index = index_of(tmp_path)
    assert index.resolve("pkg.a", "thing") in {"pkg.a.thing", "pkg.b.thing"}
    assert index.function("pkg.a.thing") is None


def test_canonical_names_are_remembered_only_for_the_modules_they_were_found_in(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "from .db import engine\n")
    write(tmp_path / "app" / "db.py", "engine = object()\n")
    index = index_of(tmp_path)
    assert index.canonical("app.engine") == "app.db.engine"
    assert index.canonical("app.engine") == "app.db.engine"  # remembered, the same answer
    index.modules = {name: facts for name, facts in index.modules.items() if name != "app.db"}
    assert index.canonical("app.engine") == "app.db.engine"  # re-exported, to a module now unknown
    index.modules = {name: facts for name, facts in index.modules.items() if name != "app"}
    assert index.canonical("app.engine") == "app.engine"  # no module `app` any more: not followed


def test_canonical_names_start_afresh_when_the_unnamed_module_stands_for_another(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "from .db import engine\n")
    write(tmp_path / "app" / "db.py", "engine = object()\n")
    write(tmp_path / "script.py", "from app import engine\n")
    groups, _, _ = load_sources([tmp_path], tmp_path, tmp_path, (), ())
    project = Project(tmp_path, groups[tmp_path], jobs=1)
    index = project.index_on_demand()
    assert index.canonical("app.engine") == "app.db.engine"
    assert "app.engine" in index._canonical
    script = next(source for source in groups[tmp_path] if source.relpath == "script.py")
    index.modules.stand_for_unnamed(script)  # type: ignore[attr-defined]
    assert index.canonical("app.db.engine") == "app.db.engine"
    assert "app.engine" not in index._canonical  # forgotten: names may resolve otherwise now
