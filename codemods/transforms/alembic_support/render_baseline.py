"""Render the baseline migration of a project's models; run as a script in a subprocess.

Usage: python render_baseline.py '<json request>'   (cwd: the project root)

The request names the modules to import (the models) and the metadata expressions. The script
compares the metadata with an empty in-memory SQLite database through Alembic's autogenerate API
and prints one JSON object: {"upgrades", "downgrades", "imports", "skipped_schemas"} or {"error"}.
Kept free of fixit imports: it runs under the target project's interpreter.

    python render_baseline.py --serve   (warm mode, see `serve`)

Most of a fresh interpreter's time goes to importing SQLAlchemy, Alembic and FastAPI, the same for
every project; in warm mode they are imported once and each request is answered by a forked child
set up as the fresh interpreter would have been (cwd, environment, argv, sys.path).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import tempfile
import time
import traceback
from typing import Any

# what the models of a FastAPI + SQLAlchemy backend import, and what rendering needs
PRELOAD = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "alembic.autogenerate",
    "alembic.migration",
    "alembic.operations",
    "pydantic",
    "fastapi",
    # the drivers an engine created at import time loads (SQLite's also for the comparison)
    "sqlite3",
    "aiosqlite",
    "asyncpg",
    "psycopg2",
)


def load_metadata(request: dict[str, Any]) -> list[Any]:
    for module in request["modules"]:
        importlib.import_module(module)
    found = []
    for module, expression in request["metadata"]:
        value: Any = importlib.import_module(module)
        for attribute in expression.split("."):
            value = getattr(value, attribute)
        found.append(value)
    return found


def project_dialect(request: dict[str, Any]) -> str | None:
    """The dialect of the application's engine: server defaults render in its SQL."""
    if not request.get("engine"):
        return None
    module, name = request["engine"]
    engine = getattr(importlib.import_module(module), name, None)
    dialect = getattr(engine, "dialect", None)
    return getattr(dialect, "name", None)


def render(metadata: list[Any], dialect: str | None) -> dict[str, Any]:
    import sqlalchemy
    from alembic.autogenerate import produce_migrations, render_python_code
    from alembic.migration import MigrationContext

    if not any(m.tables for m in metadata):
        raise LookupError("the metadata holds no tables after importing the models")
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        script = produce_migrations(context, metadata[0] if len(metadata) == 1 else metadata)
    # compared with an empty SQLite database, rendered for the application's database
    render_context = MigrationContext.configure(dialect_name=dialect) if dialect else context
    contexts: list[Any] = []

    def capture_context(kind: str, item: Any, autogen_context: Any) -> bool:
        contexts.append(autogen_context)  # its `imports` collect what the rendered code needs
        return False  # default rendering

    upgrades = render_python_code(
        script.upgrade_ops, render_item=capture_context, migration_context=render_context
    )
    downgrades = render_python_code(
        script.downgrade_ops, render_item=capture_context, migration_context=render_context
    )
    imports = {line for context in contexts for line in context.imports}
    imports |= user_type_imports(metadata, upgrades)
    schemas = sorted({t.schema for m in metadata for t in m.tables.values() if t.schema})
    return {
        "upgrades": upgrades,
        "downgrades": downgrades,
        "imports": sorted(imports),
        "skipped_schemas": schemas,
    }


def user_type_imports(metadata: list[Any], code: str) -> set[str]:
    """Autogenerate renders types from outside SQLAlchemy as `module.Type()` without importing them."""
    modules = set()
    for meta in metadata:
        for table in meta.tables.values():
            for column in table.columns:
                module = type(column.type).__module__
                if not module.startswith("sqlalchemy") and f"{module}." in code:
                    modules.add(f"import {module}")
    return modules


def main(argv: list[str]) -> int:
    request = json.loads(argv[1])
    sys.path[:0] = request["sys_path"]
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the answer only
            metadata = load_metadata(request)
            dialect = project_dialect(request)
    except BaseException as error:  # report exactly why the models cannot be imported
        where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        place = f" ({os.path.relpath(where.filename)}:{where.lineno})" if where else ""
        print(json.dumps({"error": f"{type(error).__name__}: {error}{place}"}))
        return 0
    try:
        with contextlib.redirect_stdout(sys.stderr):
            rendered = render(metadata, dialect)
        print(json.dumps(rendered))
    except Exception as error:
        print(json.dumps({"error": f"rendering failed: {type(error).__name__}: {error}"}))
    return 0


# -- warm mode ---------------------------------------------------------------------------------


def serve() -> int:
    """Preload, then answer one request a line on stdin (`{"argv", "cwd", "env", "python_path",
    "timeout"}`) with one line on stdout: `{"returncode", "stdout", "stderr"}` (the child's output,
    latin-1 decoded bytes), `{"timeout": true}`, or `{"fresh": true}` when the request needs a
    fresh interpreter (its folders hold a module of a name already imported here)."""
    with contextlib.redirect_stdout(sys.stderr):
        for name in PRELOAD:
            # not installed here: the child imports it if it must
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        warm_up()
    base_path = sys.path[1:]  # after the script's folder: the standard library and site-packages
    for line in sys.stdin:
        job = json.loads(line)
        if shadows_preloaded(job["argv"], job["python_path"], job["cwd"]):
            reply: dict[str, Any] = {"fresh": True}
        else:
            reply = answer_in_child(job, base_path)
        reply["id"] = job.get("id")  # which request this answers (a shared renderer is asked by several)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    return 0


def warm_up() -> None:
    """Render a throwaway model here once, then let it go: what SQLAlchemy and Alembic import and set
    up on first use (lazily imported modules, the dialects' compilers) is then done in this process,
    not again in every child (a sixth of a child's CPU). Nothing of the model is left: its registry
    is collected, so no child's mapper configuration sees it. Any failure: children do it themselves."""
    import gc

    with contextlib.suppress(Exception):
        import sqlalchemy
        from sqlalchemy.orm import DeclarativeBase

        class _ThrowAwayBase(DeclarativeBase):
            pass

        class _ThrowAway(_ThrowAwayBase):
            __tablename__ = "throwaway"
            id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
            name = sqlalchemy.Column(sqlalchemy.String(10), unique=True, index=True)

        metadata = _ThrowAwayBase.metadata
        for dialect in (None, "postgresql"):
            render([metadata], dialect)
        _ThrowAwayBase.registry.dispose()
        del _ThrowAway, _ThrowAwayBase, metadata
    gc.collect()


def shadows_preloaded(argv: list[str], python_path: list[str], cwd: str) -> bool:
    """Does a folder the request puts on sys.path hold a module whose name is already imported?
    A fresh interpreter would import the project's one (an `app/logging.py` run from `app/`)."""
    loaded = {name.partition(".")[0] for name in sys.modules}
    for folder in [*json.loads(argv[1])["sys_path"], *python_path]:
        try:
            names = os.listdir(os.path.join(cwd, folder))
        except OSError:
            continue
        if {name.partition(".")[0] for name in names} & loaded:
            return True
    return False


def answer_in_child(job: dict[str, Any], base_path: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child ends in os._exit
            os._exit(run_as_fresh_interpreter(job, base_path, out.fileno(), err.fileno()))
        status = wait_for(pid, job["timeout"])
        if status is None:
            return {"timeout": True}
        out.seek(0)
        err.seek(0)
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode("latin-1"),
            "stderr": err.read().decode("latin-1"),
        }


def wait_for(pid: int, timeout: float) -> int | None:
    """The child's wait status, or None (and the child killed) after `timeout` seconds."""
    if hasattr(os, "pidfd_open"):  # Linux: sleep until the child ends, not in polling steps
        with contextlib.suppress(OSError):
            return _wait_on_pidfd(pid, timeout)
    deadline = time.monotonic() + timeout
    pause = 0.0005
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            return _kill(pid)
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


def _wait_on_pidfd(pid: int, timeout: float) -> int | None:
    import select

    descriptor = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([descriptor], [], [], timeout)
    finally:
        os.close(descriptor)
    return os.waitpid(pid, 0)[1] if ready else _kill(pid)


def _kill(pid: int) -> None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)


def run_as_fresh_interpreter(job: dict[str, Any], base_path: list[str], out: int, err: int) -> int:
    """In the forked child: the state `python render_baseline.py REQUEST` starts with (in `cwd`,
    with `env`, PYTHONPATH folders after the script's, made absolute and without duplicates as
    `site` does), then `main`."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    try:
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        sys.argv = list(job["argv"])
        sys.path[:] = unique_absolute([sys.path[0], *job["python_path"], *base_path])
        try:
            code = main(sys.argv)
        except SystemExit as stop:  # as the interpreter ends on it: a number, or a message and 1
            code = stop.code if stop.code is None or isinstance(stop.code, int) else 1
            if code == 1 and not isinstance(stop.code, int):
                print(stop.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - as an uncaught exception ends a fresh interpreter
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    return int(code or 0)


def unique_absolute(paths: list[str]) -> list[str]:
    """As `site.removeduppaths`: absolute, the first of each (case-normalised) folder kept."""
    seen: set[str] = set()
    kept = []
    for path in paths:
        absolute = os.path.abspath(path) if path else path
        key = os.path.normcase(absolute)
        if key not in seen:
            seen.add(key)
            kept.append(absolute)
    return kept


if __name__ == "__main__":
    # importing the project's modules must not write `__pycache__` folders into its tree (a dry run
    # writes nothing); the forked children of warm mode inherit this
    sys.dont_write_bytecode = True
    raise SystemExit(serve() if sys.argv[1:] == ["--serve"] else main(sys.argv))
