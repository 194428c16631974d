"""Render the baseline migration of a project's models; run as a script in a subprocess.

Usage: python render_baseline.py '<json request>'   (cwd: the project root)

The request names the modules to import (the models) and the metadata expressions. The script
compares the metadata with an empty in-memory SQLite database through Alembic's autogenerate API
and prints one JSON object: {"upgrades", "downgrades", "imports", "skipped_schemas"} or {"error"}.
Kept free of fixit imports: it runs under the target project's interpreter.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import traceback
from typing import Any


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


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
