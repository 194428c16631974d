"""`alembic`: replace `create_all` at startup with an Alembic bootstrap."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence, cast

import libcst as cst
from fixit_codemods.api import FileRewrite, NewFile, Option, Safety, Site, Transform
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile
from fixit_codemods.transforms.alembic_support.baseline import WarmRenderer, project_interpreters
from fixit_codemods.transforms.alembic_support.planning import REMOVE, REPLACE_ASYNC, FileEdits, Plan, Planner
from fixit_codemods.transforms.alembic_support.scaffold import HELPER_FUNCTION
from fixit_codemods.transforms.alembic_support.sites import (
    StatementEditor,
    insert_import,
    is_schema_statement,
    names_used_in,
    remove_imports_left_unused,
    sites_to_edit,
    statement_call,
)
from fixit_codemods.walk import transform, walk_with_metadata
from libcst.metadata import PositionProvider

STARTUP_MODES = ("upgrade", "remove")


def parse_startup(value: object) -> str:
    mode = str(value).strip().lower()
    if mode not in STARTUP_MODES:
        raise ValueError(f"expected one of {', '.join(STARTUP_MODES)}, got `{value}`")
    return mode


class AlembicBootstrap(Transform):
    """Replaces `Base.metadata.create_all()` at application startup with Alembic migrations.

    The defect: the schema is created by `create_all` when the app starts (in a lifespan, an
    `@app.on_event("startup")` handler, a helper such as `init_db()` they call, or at import time)
    while the project has no migration chain. `create_all` only ever adds missing tables: columns,
    indexes and constraints never change, and there is no controlled upgrade or rollback.

    The repair makes Alembic the one way the schema changes: it scaffolds Alembic when the project
    has none (alembic.ini, env.py wired to the models' metadata and the application's database URL,
    async-aware), writes a baseline revision rendered by Alembic's autogenerate from the models
    (imported in a subprocess, by the project's own interpreter when it has one: `python=`, then
    `.venv`/`venv`, then $VIRTUAL_ENV, then fixit's), and replaces the startup call — by
    `alembic upgrade head` through a small helper (`startup=upgrade`, the default) or by nothing
    (`startup=remove`). A `with engine.begin()` block that only logs beside `create_all` keeps its
    logging; a `drop_all` that wipes the data on every start goes with its `create_all`. Helpers and
    imports left unused go too.

    Left alone: `create_all` in tests and fixtures, command-line and management commands,
    `if __name__ == "__main__":` blocks, Alembic's own env.py, and anything whose metadata does not
    resolve to a SQLAlchemy declarative base or `MetaData`. Reported for review, untouched: a
    deliberate bootstrap behind a condition (`if settings.is_sqlite:`, an empty database),
    per-request `create_all` (routes, dependencies: multi-tenant shapes), calls in loops, a
    `drop_all` behind a condition, helpers nothing at startup calls, a
    schema with another owner (hand-written `ALTER TABLE` in the startup module, a `.sql` script that
    creates tables), and any project whose models no interpreter can import: without a baseline,
    `alembic upgrade head` would start the application on an empty schema.
    """

    name = "alembic"
    summary = "replace create_all at startup with Alembic migrations (scaffold + baseline)"
    safety = Safety.UNSAFE
    triggers = (b"create_all",)
    options = {
        "startup": Option(
            "upgrade",
            "upgrade: the app runs `alembic upgrade head` at startup; remove: startup leaves the schema alone",
            parse_startup,
        ),
        "python": Option(
            "",
            "interpreter that imports the models for the baseline "
            "(default: the project's .venv or venv, then $VIRTUAL_ENV, then fixit's own)",
        ),
    }
    example_before = (
        "@asynccontextmanager\n"
        "async def lifespan(app: FastAPI):\n"
        "    async with engine.begin() as conn:\n"
        "        await conn.run_sync(Base.metadata.create_all)\n"
        "    yield\n"
    )
    example_after = (
        "@asynccontextmanager\n"
        "async def lifespan(app: FastAPI):\n"
        f"    await asyncio.to_thread({HELPER_FUNCTION})\n"
        "    yield\n"
        "# + alembic.ini, alembic/env.py, alembic/script.py.mako, alembic/versions/<rev>_baseline.py\n"
    )
    rationale = (
        "`create_all` at startup only creates missing tables: it never alters a column, index or constraint, "
        "so the schema silently drifts from the models and there is no upgrade or rollback path. Alembic "
        "migrations make every schema change explicit, reviewed and repeatable."
    )
    behaviour_change = (
        "Startup runs `alembic upgrade head` instead of `create_all` (or nothing, with startup=remove)."
    )
    commit_subject = "replace {sites} startup create_all calls with Alembic migrations"

    def __init__(self, options: dict[str, object] | None = None) -> None:
        super().__init__(options)
        self.plan_result = Plan()
        self.speculative = ""  # the interpreter whose renderer `before_reading` started

    def before_reading(self, root: Path) -> None:
        """The warm baseline renderer of the interpreter the projects under `root` most likely use,
        started now: its imports (half a second of CPU) run while the files are found and read, and
        the worker processes share it instead of each starting its own."""
        self.speculative = project_interpreters(self.settings["python"], root)[0]
        WarmRenderer.share(self.speculative)

    def after_reading(self, projects: Mapping[Path, Sequence[SourceFile]]) -> None:
        """No project with a `create_all`, or none using that interpreter: no baseline to render."""
        needing = [root for root, files in projects.items() if any(f.contains(b"create_all") for f in files)]
        if self.speculative and not any(
            project_interpreters(self.settings["python"], root)[0] == self.speculative for root in needing
        ):
            WarmRenderer.stop_unused(self.speculative)

    def plan(self, project: Project) -> None:
        pythons = project_interpreters(self.settings["python"], project.root)
        self.plan_result = Planner(project, self.settings["startup"], pythons).run()

    def candidates(self, project: Project) -> Iterable[SourceFile]:
        return [f for f in project.files if f.relpath in self.plan_result.edits]

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        edits = self.plan_result.edits.get(source.relpath)
        if edits is None:
            return None
        statement_edits, sites = self.site_edits(source, edits)
        if edits.removed_call_lines or edits.deleted_function_lines:
            statement_edits.update(dict.fromkeys(located_removals(source, edits), ()))
        if not statement_edits:
            return FileRewrite(None, sites)
        editor = StatementEditor(statement_edits)
        module = self.add_needed_imports(cast(cst.Module, transform(source.cst, editor)), edits, source)
        module = remove_imports_left_unused(module, names_used_in(editor.removed), source)
        return FileRewrite(source.code_of(module), sites)

    def site_edits(
        self, source: SourceFile, edits: FileEdits
    ) -> tuple[dict[int, list[cst.BaseStatement]], list[Site]]:
        # the whole tree's sites (positions, scopes) only where a statement is to be edited: a file
        # whose sites are all listed for review is left as it is
        editing = any(decision.edit for decision in edits.decisions)
        found = {(f.facts.line, f.facts.column): f for f in sites_to_edit(source)} if editing else {}
        replacements: dict[int, list[cst.BaseStatement]] = {}
        sites = []
        for decision in edits.decisions:
            sites.append(Site(decision.line, decision.column, decision.action, decision.message))
            site = found.get((decision.line, decision.column))
            if not decision.edit or site is None or site.target is None:
                continue
            key = id(site.target)
            if decision.edit == REMOVE and key in replacements:
                continue  # a block shared with the create_all it goes with: that edit holds
            if site.block:
                replacements[key] = kept_around(site.block, decision.edit)
            elif decision.edit == REMOVE:
                replacements.setdefault(key, [])
            else:
                replacements[key] = [replacement_statement(decision.edit)]
        return replacements, sites

    def add_needed_imports(self, module: cst.Module, edits: FileEdits, source: SourceFile) -> cst.Module:
        edit_kinds = {decision.edit for decision in edits.decisions}
        if not edits.helper_module or edit_kinds <= {REMOVE, ""}:
            return module
        first_party = set(self.plan_result.first_party) | {source.module.split(".")[0]}
        if REPLACE_ASYNC in edit_kinds:
            module = insert_import(module, "import asyncio\n", first_party)
        return insert_import(module, helper_import(edits.helper_module, module, source), first_party)

    def new_files(self, project: Project) -> list[NewFile]:
        return list(self.plan_result.new_files)

    def report_notes(self) -> list[str]:
        return list(self.plan_result.notes)


def helper_import(helper_module: str, module: cst.Module, source: SourceFile) -> str:
    """`from .db_migrations import ...` beside a sibling in a file that imports siblings relatively."""
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    helper_package, _, helper_name = helper_module.rpartition(".")
    relative_style = any(
        isinstance(small, cst.ImportFrom) and small.relative
        for statement in module.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
    )
    imported = (
        f".{helper_name}" if package and helper_package == package and relative_style else helper_module
    )
    return f"from {imported} import {HELPER_FUNCTION}\n"


def kept_around(block: tuple[cst.BaseStatement, ...], edit: str) -> list[cst.BaseStatement]:
    """A `with engine.begin()` block's logging kept in order, its schema statements replaced once
    (or removed), the transaction gone: nothing is left that needs the connection."""
    statements: list[cst.BaseStatement] = []
    comments: list[cst.EmptyLine] = []  # above a removed schema statement: they move down
    replaced = edit == REMOVE
    for statement in block:
        if is_schema_statement(statement):
            comments += [line for line in statement.leading_lines if line.comment is not None]
            if replaced:
                continue
            statement = statement.with_changes(
                body=replacement_statement(edit).body, leading_lines=()
            )  # the line's own trailing comment stays
            replaced = True
        if comments:
            statement = statement.with_changes(leading_lines=(*statement.leading_lines, *comments))
            comments = []
        statements.append(statement)
    if comments:  # nothing after them in the block: they stay as a comment-only line of their own
        statements.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=comments))
    return statements


def replacement_statement(edit: str) -> cst.BaseStatement:
    if edit == REPLACE_ASYNC:
        return cst.parse_statement(f"await asyncio.to_thread({HELPER_FUNCTION})\n")
    return cst.parse_statement(f"{HELPER_FUNCTION}()\n")


class _LineLocator(cst.CSTVisitor):
    """Statements `[await] f(...)` and function definitions at given lines."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, call_lines: set[int], def_lines: set[int]) -> None:
        super().__init__()
        self.call_lines, self.def_lines = call_lines, def_lines
        self.found: list[cst.CSTNode] = []

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        call = statement_call(node)
        if call is not None and self.get_metadata(PositionProvider, call).start.line in self.call_lines:
            self.found.append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.get_metadata(PositionProvider, node.name).start.line in self.def_lines:
            self.found.append(node)


def located_removals(source: SourceFile, edits: FileEdits) -> list[int]:
    """Identities of the helper definitions and helper calls to delete (startup=remove)."""
    if not edits.removed_call_lines and not edits.deleted_function_lines:
        return []
    locator = _LineLocator(edits.removed_call_lines, edits.deleted_function_lines)
    walk_with_metadata(source.metadata(), locator)
    return [id(node) for node in locator.found]
