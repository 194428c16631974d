"""The whole repair decided up front (main process): which `create_all` calls run at startup, what
replaces them, which helpers disappear, and which files Alembic needs."""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Iterable

from fixit_codemods.api import Action, NewFile
from fixit_codemods.ast_walk import walk_ast
from fixit_codemods.index import ProjectIndex
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile
from fixit_codemods.transforms.alembic_support import scaffold
from fixit_codemods.transforms.alembic_support.baseline import Baseline, WarmRenderer, render_baseline
from fixit_codemods.transforms.alembic_support.callers import (
    CLI,
    CONDITION_GUARD,
    CONDITIONAL,
    LOOP,
    LOOP_GUARD,
    MAIN_GUARD,
    NO_GUARD,
    REQUEST,
    STARTUP,
    STATEMENT_CALL,
    TEST,
    Caller,
    CallGraph,
    file_kind,
)
from fixit_codemods.transforms.alembic_support.prefilter import has_candidate_site
from fixit_codemods.transforms.alembic_support.schema import (
    EngineDefinition,
    MetadataTarget,
    Schema,
    collect_schema,
)
from fixit_codemods.transforms.alembic_support.sites import SiteFacts, site_facts_of

REPLACE_ASYNC, REPLACE_SYNC, REMOVE = "replace-async", "replace-sync", "remove"
HELPER_MODULE_NAMES = ("db_migrations", "alembic_migrations")
SCRIPT_FOLDER = "alembic"
BASELINE_COMMAND = 'alembic revision --autogenerate -m "baseline"'


@dataclass(frozen=True)
class SiteDecision:
    line: int
    column: int
    action: Action
    message: str
    edit: str = ""  # REPLACE_ASYNC, REPLACE_SYNC, REMOVE, or "" (no edit)


@dataclass
class FileEdits:
    decisions: list[SiteDecision] = field(default_factory=list)
    removed_call_lines: set[int] = field(default_factory=set)  # `[await] helper()` statements to delete
    deleted_function_lines: set[int] = field(default_factory=set)  # `def` lines of helpers to delete
    helper_module: str = ""  # where `upgrade_database` is imported from


@dataclass
class Plan:
    edits: dict[str, FileEdits] = field(default_factory=dict)
    new_files: list[NewFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_party: tuple[str, ...] = ()  # the project's top-level packages, for placing imports


@dataclass(frozen=True)
class Layout:
    """Where Alembic lives (or will): paths absolute; `conflict` says why it cannot be scaffolded."""

    ini: Path
    script_folder: Path
    scaffold: bool  # the project has no Alembic environment yet
    has_revisions: bool
    conflict: str = ""


@dataclass
class PlannedSite:
    source: SourceFile
    facts: SiteFacts
    target: MetadataTarget | None


def site_facts(source: SourceFile) -> list[SiteFacts]:
    """The file's `create_all` sites, names not yet canonical; LibCST only when the stdlib AST
    shows a call that can create a project's schema."""
    if not has_candidate_site(source.ast):
        return []
    return site_facts_of(source)


def canonical_names(facts: SiteFacts, index: ProjectIndex) -> SiteFacts:
    """`facts` with the receiver and engine followed through re-exports to their definitions."""
    receiver = index.canonical(facts.receiver) if facts.receiver else facts.receiver
    engine = index.canonical(facts.engine) if facts.engine else facts.engine
    return replace(facts, receiver=receiver, engine=engine)


class Planner:
    def __init__(self, project: Project, startup: str, pythons: list[str]) -> None:
        self.project = project
        self.startup = startup
        self.pythons = pythons  # interpreters to try for the baseline, in order
        self.plan = Plan()

    def run(self) -> Plan:
        sources = [f for f in self.project.files_containing(b"create_all") if file_kind(f.relpath) != TEST]
        if sources and self.pythons:
            WarmRenderer.start_early(self.pythons[0])  # a baseline may be needed: warm up meanwhile
        located = [
            (mapped.source, facts)
            for mapped in self.project.map(site_facts, sources)
            for facts in mapped.value
        ]
        if not located:
            return self.plan
        self.plan.first_party = tuple(self.project.packages())
        index = self.project.index_on_demand()
        schema = collect_schema(self.project, index)
        found: list[PlannedSite] = []
        drops: list[PlannedSite] = []
        for source, raw_facts in located:
            facts = canonical_names(raw_facts, index)
            target = schema.metadata_for(facts.receiver) if facts.receiver else None
            (drops if facts.is_drop else found).append(PlannedSite(source, facts, target))
        graph = CallGraph(index)
        graph.build(self.project, {site.facts.scope for site in found if site.facts.scope})
        startup_sites = []
        for site in found:
            action, message = classify(site, graph)
            if action is Action.CHANGED and site.facts.drops_schema:
                action, message = self.take_drops(site, drops, startup_sites)
            if action is Action.CHANGED:
                startup_sites.append(site)
            elif action is not None:
                self.decide(site, action, message)
        if startup_sites:
            self.repair(startup_sites, schema, graph)
        return self.plan

    def take_drops(
        self, site: PlannedSite, drops: list[PlannedSite], startup_sites: list[PlannedSite]
    ) -> tuple[Action, str]:
        """drop_all then create_all at startup wipes the data on every restart: both go, when
        every drop_all of the function is a plain statement the repair can remove with it."""
        own = [
            d for d in drops if d.source.relpath == site.source.relpath and d.facts.scope == site.facts.scope
        ]
        if not own or any(d.facts.guard != NO_GUARD or d.facts.problem or d.target is None for d in own):
            return (
                Action.REVIEW,
                "drop_all and create_all reset the schema at every start: a person must decide",
            )
        for drop in own:
            if drop not in startup_sites:
                startup_sites.append(drop)
        return Action.CHANGED, ""

    def decide(self, site: PlannedSite, action: Action, message: str, edit: str = "") -> None:
        edits = self.plan.edits.setdefault(site.source.relpath, FileEdits())
        edits.decisions.append(SiteDecision(site.facts.line, site.facts.column, action, message, edit))

    # -- the repair -------------------------------------------------------------------------

    def repair(self, sites: list[PlannedSite], schema: Schema, graph: CallGraph) -> None:
        other_source = other_schema_source(self.project, sites)
        if other_source:
            # Alembic would become a third owner of the schema, beside SQL the tool cannot follow
            self.leave(sites, f"create_all at startup left alone: {other_source}")
            return
        layout = find_layout(self.project)
        if layout.conflict:
            self.leave(sites, f"create_all at startup left alone: {layout.conflict}")
            return
        targets = sorted({site.target for site in sites if site.target}, key=lambda t: t.key)
        engine = next((schema.engine(s.facts.engine) for s in sites if schema.engine(s.facts.engine)), None)
        engine = engine or schema.engine(None)
        import_root = self.project.import_root(sites[0].source)
        targets = [self.from_root(target, import_root) for target in targets]
        engine = self.engine_from_root(engine, import_root) if engine else None
        baseline = Baseline()
        if not layout.has_revisions:
            engine_name = engine.qualified if engine else None
            baseline = self.render_baseline([str(import_root)], targets, engine_name)
            if baseline.error:
                # `alembic upgrade head` with no revision creates no table: the application would
                # start on an empty schema. Without a baseline, create_all stays where it is.
                self.leave_without_baseline(sites, layout, baseline)
                return
        upgrading = self.startup == "upgrade"
        helper = self.helper_module(sites[0].source, layout, import_root) if upgrading else None
        self.replace_sites(sites, helper[0] if helper else "")
        if self.startup == "remove":
            self.delete_emptied_helpers(sites, graph)
        if layout.scaffold:
            self.scaffold(layout, targets, engine, any(s.facts.via_run_sync for s in sites), import_root)
        if baseline.text:
            versions = layout.script_folder / "versions" / baseline.filename
            self.plan.new_files.append(NewFile(self.project.relpath_for(versions), baseline.text))
        if helper:
            self.plan.new_files.append(helper[1])
        self.report(layout, baseline)

    def module_from_root(self, module: str, import_root: Path) -> str:
        """`module` as the application imports it from `import_root` (`database`, for
        `service.api.database` run from `service/api`); unchanged when it lies elsewhere."""
        source = self.project.find_module(module)
        if source is None or import_root not in source.path.parents:
            return module
        parts = source.path.relative_to(import_root).with_suffix("").parts
        return ".".join(parts[:-1] if source.is_package else parts)

    def from_root(self, target: MetadataTarget, import_root: Path) -> MetadataTarget:
        return replace(
            target,
            module=self.module_from_root(target.module, import_root),
            model_modules=tuple(self.module_from_root(m, import_root) for m in target.model_modules),
        )

    def engine_from_root(self, engine: EngineDefinition, import_root: Path) -> EngineDefinition:
        module, _, name = engine.qualified.rpartition(".")
        url = engine.url
        if url is not None:
            imports = tuple(replace(line, module=self.module_from_root(line.module, import_root)) for line in url.imports)
            url = replace(url, imports=imports)
        return replace(engine, qualified=f"{self.module_from_root(module, import_root)}.{name}", url=url)

    def render_baseline(
        self, sys_path: list[str], targets: list[MetadataTarget], engine: str | None
    ) -> Baseline:
        """The first baseline one of the interpreters renders; when none can, the first one's error."""
        failed: list[Baseline] = []
        for python in self.pythons:
            baseline = render_baseline(python, self.project.root, sys_path, targets, engine)
            if baseline.removed:
                created = ", ".join(f"`{self.project.relpath_for(self.project.root / path)}`" for path in baseline.removed)
                self.plan.notes.append(
                    f"Importing the models to render the baseline created {created} (application code run "
                    "at import time): removed again, so that the run writes only its own changes."
                )
            if not baseline.error:
                return baseline
            failed.append(baseline)
        return failed[0]

    def leave_without_baseline(self, sites: list[PlannedSite], layout: Layout, baseline: Baseline) -> None:
        where = self.project.relpath_for(layout.ini.parent)
        command = BASELINE_COMMAND if where in ("", ".") else f"cd {where} && {BASELINE_COMMAND}"
        tried = ", ".join(self.pythons)
        message = (
            f"create_all at startup left alone: no baseline migration could be rendered, because the models "
            f"could not be imported ({baseline.error}; tried {tried}). Install the project's requirements "
            f"or name its interpreter with -o python=PATH, or create the baseline with `{command}`"
        )
        self.leave(sites, message)

    def leave(self, sites: list[PlannedSite], message: str) -> None:
        """Every create_all of the repair listed for review; their drop_all calls stay unlisted."""
        for site in sites:
            if not site.facts.is_drop:
                self.decide(site, Action.REVIEW, message)

    def replace_sites(self, sites: list[PlannedSite], helper_module: str) -> None:
        replaced_scopes: set[tuple[str, str]] = set()
        for site in sorted(sites, key=lambda s: (s.source.relpath, s.facts.line, s.facts.column)):
            scope = (site.source.relpath, site.facts.scope)
            if site.facts.is_drop:
                message = (
                    "drop_all at startup removed: every restart wiped the data; "
                    "the schema now comes from `alembic upgrade head`"
                )
                self.decide(site, Action.CHANGED, message, REMOVE)
                continue
            if helper_module and scope not in replaced_scopes:
                replaced_scopes.add(scope)
                edit = REPLACE_ASYNC if site.facts.scope_is_async else REPLACE_SYNC
                message = (
                    f"create_all at startup replaced by `alembic upgrade head` ({scaffold.HELPER_FUNCTION})"
                )
                self.plan.edits.setdefault(site.source.relpath, FileEdits()).helper_module = helper_module
            else:
                edit = REMOVE
                message = "create_all at startup removed: the schema now comes from `alembic upgrade head`"
            self.decide(site, Action.CHANGED, message, edit)

    def delete_emptied_helpers(self, sites: list[PlannedSite], graph: CallGraph) -> None:
        """startup=remove: a helper left with no statements goes, with its calls, when nothing
        else refers to it (a re-export, a CLI, a registration that is not a plain call)."""
        removed: Counter[str] = Counter()
        for scope, _target_line in {
            (s.facts.scope, s.facts.target_line) for s in sites if s.facts.target_at_body_top
        }:
            removed[scope] += 1
        deleted: set[str] = set()
        progress = True
        while progress:
            progress = False
            for function, info in graph.functions.items():
                callers = graph.callers.get(function, [])
                if function in deleted or not 0 < info.body_size <= removed[function]:
                    continue
                if not deletable(function, callers, graph):
                    continue
                deleted.add(function)
                progress = True
                defining = graph.function_files[function]
                self.plan.edits.setdefault(defining, FileEdits()).deleted_function_lines.add(info.line)
                for caller in callers:
                    self.plan.edits.setdefault(caller.relpath, FileEdits()).removed_call_lines.add(
                        caller.reference.line
                    )
                    if caller.reference.top_level:
                        removed[caller.reference.scope] += 1

    def helper_module(
        self, source: SourceFile, layout: Layout, import_root: Path
    ) -> tuple[str, NewFile] | None:
        """(module name, file) of the `upgrade_database` helper, beside the first startup site,
        spelled from the folder the application runs from, as its own imports are."""
        package_path = source.path.parent.relative_to(import_root)
        package = ".".join(package_path.parts)
        for name in HELPER_MODULE_NAMES:
            path = source.path.parent / f"{name}.py"
            text = scaffold.helper_module(Path(os.path.relpath(layout.ini, path.parent)).as_posix())
            existing = self.project.find_file(self.project.relpath_for(path))
            if existing is None or existing.text == text:
                module = f"{package}.{name}" if package else name
                return module, NewFile(self.project.relpath_for(path), text)
        return None

    def scaffold(
        self,
        layout: Layout,
        targets: list[MetadataTarget],
        engine: EngineDefinition | None,
        uses_run_sync: bool,
        import_root: Path,
    ) -> None:
        is_async = engine.is_async if engine else uses_run_sync
        sys_path = Path(os.path.relpath(import_root, layout.ini.parent)).as_posix()
        sys_path = "%(here)s" if sys_path == "." else f"%(here)s/{sys_path}"
        folder = layout.script_folder
        packages = set(self.project.packages()) | {t.module.split(".")[0] for t in targets}
        files = {
            layout.ini: scaffold.alembic_ini(
                Path(os.path.relpath(folder, layout.ini.parent)).as_posix(), sys_path
            ),
            folder / "env.py": scaffold.env_py(targets, engine.url if engine else None, is_async, packages),
            folder / "script.py.mako": scaffold.SCRIPT_MAKO,
        }
        for path, text in files.items():
            self.plan.new_files.append(NewFile(self.project.relpath_for(path), text))

    def report(self, layout: Layout, baseline: Baseline) -> None:
        where = self.project.relpath_for(layout.ini.parent)
        where = "the project root" if where in ("", ".") else where
        if self.startup == "upgrade":
            self.plan.notes.append(
                "The application now runs `alembic upgrade head` at startup. Existing deployments already have "
                f"the tables: run `alembic stamp head` once (from {where}) before starting the new version."
            )
        else:
            self.plan.notes.append(
                "Startup no longer creates tables: deployments run `alembic upgrade head` before starting the "
                f"application; existing deployments run `alembic stamp head` once first (from {where})."
            )
        if baseline.skipped_schemas:
            schemas = ", ".join(baseline.skipped_schemas)
            self.plan.notes.append(
                f"The baseline leaves out tables in schema(s) {schemas}: add them by hand."
            )


def classify(site: PlannedSite, graph: CallGraph) -> tuple[Action | None, str]:
    """(action, message) for one create_all call; action None: not SQLAlchemy schema creation."""
    facts = site.facts
    if site.target is None:
        if facts.receiver_text.rpartition(".")[2] == "metadata":
            return Action.REVIEW, f"cannot tell which metadata `{facts.receiver_text}` is: left alone"
        return None, ""
    if facts.guard == MAIN_GUARD:
        return Action.SKIPPED, "create_all in a command-line entry point: left alone"
    if facts.guard == LOOP_GUARD:
        return Action.REVIEW, "create_all in a loop (per tenant or schema?): a person must decide"
    if facts.scope:
        contexts = graph.contexts(facts.scope, site.source.relpath)
    else:
        contexts = {file_kind(site.source.relpath) or STARTUP}
    if facts.guard == CONDITION_GUARD:
        contexts = (contexts - {STARTUP}) | {CONDITIONAL} if STARTUP in contexts or not contexts else contexts
    if REQUEST in contexts:
        return (
            Action.REVIEW,
            "create_all runs per request (route, dependency or middleware): a person must decide",
        )
    if STARTUP in contexts:
        if facts.problem:
            return Action.REVIEW, f"create_all at startup left alone: {facts.problem}"
        return Action.CHANGED, ""
    if LOOP in contexts:
        return Action.REVIEW, "create_all called in a loop (per tenant or schema?): a person must decide"
    if CONDITIONAL in contexts and not contexts & {CLI, TEST} and not is_alembic_env(site.source):
        # a deliberate bootstrap (a setting, a dialect, an empty database): not repaired, but a
        # person should know it exists beside the migrations
        return (
            Action.REVIEW,
            "create_all behind a condition (a deliberate bootstrap?): left alone; make sure it cannot "
            "run against a database whose schema Alembic manages",
        )
    if CONDITIONAL in contexts:
        return Action.SKIPPED, "create_all behind an explicit condition (a deliberate bootstrap): left alone"
    if CLI in contexts:
        return Action.SKIPPED, "create_all in a command-line or management command: left alone"
    if TEST in contexts:
        return Action.SKIPPED, "create_all in test code: left alone"
    name = facts.scope.rpartition(".")[2]
    return Action.REVIEW, f"create_all in `{name}`, which no startup code calls: left alone"


DDL_STATEMENT = re.compile(rb"\b(?:CREATE|ALTER|DROP)\s+TABLE\b", re.IGNORECASE)
CREATE_TABLE = re.compile(rb"\bCREATE\s+TABLE\b", re.IGNORECASE)
SQL_SUFFIXES = (".sql",)


def other_schema_source(project: Project, sites: list[PlannedSite]) -> str:
    """Why the schema has another owner beside `create_all`, or "": hand-written DDL in the
    startup code's own modules (ALTER TABLE patches after create_all) or SQL scripts that create
    tables (a database init script). A baseline from the models would disagree with either."""
    for site in sites:
        line = hand_written_ddl_line(site.source)
        if line:
            return (
                f"hand-written DDL beside it ({site.source.relpath}:{line}) also shapes the schema: "
                "a person must decide what the baseline migration holds"
            )
    for path in project.data_files(*SQL_SUFFIXES):
        relpath = project.relpath_for(path)
        if file_kind(relpath) == TEST:
            continue
        try:
            with path.open("rb") as stream:
                head = stream.read(1 << 20)
        except OSError:
            continue
        if CREATE_TABLE.search(head):
            return f"{relpath} also creates tables (a second schema source): a person must decide which one owns it"
    return ""


def hand_written_ddl_line(source: SourceFile) -> int:
    """The line of the first string literal in `source` holding a table DDL statement, or 0."""
    if not DDL_STATEMENT.search(source.data):
        return 0
    for node in walk_ast(source.ast):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if DDL_STATEMENT.search(node.value.encode("utf-8", "replace")):
                return node.lineno
    return 0


def deletable(function: str, callers: list[Caller], graph: CallGraph) -> bool:
    def removable(caller: Caller) -> bool:
        reference = caller.reference
        return (
            reference.kind == STATEMENT_CALL and reference.guard == NO_GUARD and not file_kind(caller.relpath)
        )

    if not all(removable(caller) for caller in callers):
        return False
    calling_files = {caller.relpath for caller in callers}
    return graph.importers.get(function, set()) <= calling_files


def find_layout(project: Project) -> Layout:
    environments = [f for f in project.files_containing(b"alembic") if is_alembic_env(f)]
    revision_files = project.files_containing(b"down_revision")
    revisions = [mapped.source for mapped in project.map(is_revision, revision_files) if mapped.value]
    if environments:
        folder = environments[0].path.parent
        return Layout(folder.parent / "alembic.ini", folder, False, bool(revisions))
    if revisions:
        folder = revisions[0].path.parent.parent
        return Layout(folder.parent / "alembic.ini", folder, False, True)
    ini, folder = project.root / "alembic.ini", project.root / SCRIPT_FOLDER
    clash = next((p for p in (ini, folder) if p.exists()), None)
    conflict = (
        f"{project.relpath_for(clash)} exists but holds no Alembic environment fixit can read"
        if clash
        else ""
    )
    return Layout(ini, folder, True, False, conflict)


def is_alembic_env(source: SourceFile) -> bool:
    if PurePosixPath(source.relpath).name != "env.py":
        return False
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "alembic"
        and any(a.name == "context" for a in node.names)
        for node in source.ast.body
    )


def is_revision(source: SourceFile) -> bool:
    assigned = set(_assigned_names(source.ast.body))
    return {"revision", "down_revision"} <= assigned


def _assigned_names(body: Iterable[ast.stmt]) -> Iterable[str]:
    for node in body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        yield from (t.id for t in targets if isinstance(t, ast.Name))
