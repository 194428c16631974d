"""`database-dep`: session parameters spelled `Depends(get_session)` use the project's `DatabaseDep` alias."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import libcst as cst
from fixit_codemods.api import (
    Action,
    ConfigError,
    FileRewrite,
    NewFile,
    Option,
    Safety,
    Site,
    Transform,
    parse_bool,
)
from fixit_codemods.ast_walk import walk_ast
from fixit_codemods.codegen import code_for_node
from fixit_codemods.cst_helpers import ImportSpec, dotted, update_imports_in_package
from fixit_codemods.index import ProjectIndex, dotted_name, resolve_relative
from fixit_codemods.lines import Lines, lines_naming, visit_near
from fixit_codemods.model import SemanticModel
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile

DEPENDS = frozenset({"fastapi.Depends", "fastapi.param_functions.Depends", "fastapi.params.Depends"})
SECURITY = frozenset({"fastapi.Security", "fastapi.param_functions.Security", "fastapi.params.Security"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
TYPE_ALIAS = frozenset({"typing.TypeAlias", "typing_extensions.TypeAlias"})
# `type X = ...` as the stdlib parses it from Python 3.12 (an empty tuple before: never matches).
TYPE_STATEMENT = getattr(ast, "TypeAlias", ())
# Types that mark a dependency as a database session, to infer what a created alias injects.
SESSION_TYPES = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)


# -- what the plan phase reads from each module (stdlib ast, in worker processes) -------------------


@dataclass(frozen=True)
class WrittenAlias:
    """`NAME = Annotated[TYPE, DEPENDS(DEPENDENCY)]` at module level, each name as written."""

    name: str
    line: int
    annotated: str
    type: str
    depends: str
    dependency: str
    marker: str = ""  # the annotation of `NAME: TypeAlias = ...`, as written


@dataclass(frozen=True)
class WrittenDependency:
    """A parameter `p: TYPE = DEPENDS(DEPENDENCY)` or `p: Annotated[TYPE, DEPENDS(DEPENDENCY)]`."""

    type: str  # "" when the parameter has no annotation
    depends: str
    dependency: str


@dataclass
class ModuleScan:
    aliases: list[WrittenAlias] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # dotted names where dependencies are spelled
    dependencies: list[WrittenDependency] = field(default_factory=list)
    # (callee, dependency) of every call that could be `Depends(dependency)`, as written: a module
    # none of whose dependencies resolves to an alias's function has nothing to rewrite
    dependency_calls: set[tuple[str, str]] = field(default_factory=set)
    top_level_names: set[str] = field(default_factory=set)


def scan_module(source: SourceFile) -> ModuleScan:
    tree = source.ast  # any syntax LibCST reads; a genuine syntax error raises SourceError
    scan = ModuleScan()
    for statement in tree.body:
        scan.top_level_names.update(_bound_names(statement))
        alias = _written_alias(statement)
        if alias is not None:
            scan.aliases.append(alias)
    for node in walk_ast(tree):
        if isinstance(node, ast.Call):
            scan.names.update(_call_names(node))
            scan.dependency_calls.update(_dependency_call(node))
        elif isinstance(node, ast.arg) and node.annotation is not None:
            scan.names.update(_annotation_names(node.annotation))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scan.dependencies.extend(_parameter_dependencies(node.args))
    return scan


def _bound_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, TYPE_STATEMENT):
        return {statement.name.id}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    return {node.id for target in targets for node in walk_ast(target) if isinstance(node, ast.Name)}


def _written_alias(statement: ast.stmt) -> WrittenAlias | None:
    marker = ""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
        marker = dotted_name(statement.annotation) or "?"
    elif isinstance(statement, TYPE_STATEMENT) and not statement.type_params:
        target, value = statement.name, statement.value
    else:
        return None
    if not isinstance(target, ast.Name):
        return None
    parts = _annotated_parts(value)
    if parts is None:
        return None
    annotated, type_name, metadata = parts
    if len(metadata) != 1:
        return None
    call = _plain_call(metadata[0])
    if call is None or not type_name:
        return None
    depends, dependency = call
    return WrittenAlias(target.id, statement.lineno, annotated, type_name, depends, dependency, marker)


def _annotated_parts(node: ast.expr) -> tuple[str, str, list[ast.expr]] | None:
    """('Annotated', 'AsyncSession', [metadata...]) for `Annotated[AsyncSession, ...]`, as written."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple):
        return None
    annotated = dotted_name(node.value)
    elements = node.slice.elts
    if annotated is None or len(elements) < 2:
        return None
    return annotated, dotted_name(elements[0]) or "", elements[1:]


def _plain_call(node: ast.expr) -> tuple[str, str] | None:
    """('Depends', 'get_session') for `Depends(get_session)` or `Depends(dependency=get_session)`."""
    if not isinstance(node, ast.Call):
        return None
    callee = dotted_name(node.func)
    arguments = list(node.args) + [keyword.value for keyword in node.keywords if keyword.arg == "dependency"]
    if callee is None or len(arguments) != 1 or len(node.args) + len(node.keywords) != 1:
        return None
    dependency = dotted_name(arguments[0])
    return (callee, dependency) if dependency else None


def _call_names(call: ast.Call) -> set[str]:
    return {name for name in map(dotted_name, [call.func, *_dependency_arguments(call)]) if name}


def _dependency_call(call: ast.Call) -> set[tuple[str, str]]:
    callee = dotted_name(call.func)
    dependencies = {name for name in map(dotted_name, _dependency_arguments(call)) if name}
    return {(callee, dependency) for dependency in dependencies} if callee else set()


def _dependency_arguments(call: ast.Call) -> list[ast.expr]:
    """What `Depends(...)` would take as its dependency: the first argument or `dependency=`."""
    return [*call.args[:1], *(keyword.value for keyword in call.keywords if keyword.arg == "dependency")]


def _annotation_names(annotation: ast.expr) -> set[str]:
    nodes = [annotation]
    if isinstance(annotation, ast.Subscript):
        nodes.append(annotation.value)
        if isinstance(annotation.slice, ast.Tuple) and annotation.slice.elts:
            nodes.append(annotation.slice.elts[0])
    return {name for name in map(dotted_name, nodes) if name}


def _parameter_dependencies(arguments: ast.arguments) -> list[WrittenDependency]:
    positional = arguments.posonlyargs + arguments.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    pairs = list(zip(positional, defaults + list(arguments.defaults)))
    pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults))
    found = []
    for argument, default in pairs:
        annotation = argument.annotation
        call = _plain_call(default) if default is not None else None
        if call is not None:
            type_name = dotted_name(annotation) if annotation is not None else ""
            found.append(WrittenDependency(type_name or "", *call))
        elif annotation is not None and default is None:
            parts = _annotated_parts(annotation)
            inner = _plain_call(parts[2][0]) if parts and len(parts[2]) == 1 else None
            if parts and inner and parts[1]:
                found.append(WrittenDependency(parts[1], *inner))
    return found


# -- project-wide facts (main process) -------------------------------------------------------------


@dataclass(frozen=True)
class AliasDefinition:
    name: str
    module: str
    relpath: str
    line: int  # the definition's line; a function of the same module defined earlier cannot use it
    type: str  # qualified
    dependency: str  # qualified, canonical

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name


@dataclass(frozen=True)
class Spelling:
    """How one module writes the alias, and what that takes."""

    text: str  # "DatabaseDep", "database.DatabaseDep"
    import_from: str = ""  # absolute module to import the alias from, when the module needs an import
    blocked: str = ""  # why the alias cannot be used in this module
    defined_at: int = 0  # the alias's line when it is defined in this very module
    # `import_from` as this module's absolute imports spell the project's modules (`app.db.session`
    # for the package `db` below a namespace folder `app/`); "" when it is `import_from` itself
    written_from: str = ""


@dataclass
class ModulePlan:
    resolved: dict[str, str]  # dotted name as written -> qualified, for the names that matter
    spellings: dict[str, Spelling]  # dependency -> how this module writes its alias
    sites: list[Site] = field(default_factory=list)  # found by the plan (other aliases, ambiguity)
    alias_lines: frozenset[int] = frozenset()  # lines of alias definitions in this module
    created: CreatedAlias | None = None  # an alias to write into this module


@dataclass(frozen=True)
class CreatedAlias:
    """An alias `create=true` writes, into an existing module or as a new one. In the dependency's
    own module it goes right after the function's `def` (at the end when that is not a top-level
    def); elsewhere after the imports, with an import of the function."""

    alias: AliasDefinition
    after_function: str = ""
    dependency_import: str = ""  # module to import the dependency function from ("" if local)


def _module_package(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _parse_scope(value: object) -> str:
    scope = str(value).strip().lower()
    if scope not in ("session", "all"):
        raise ValueError("expected 'session' or 'all'")
    return scope



class DatabaseDep(Transform):
    """Session parameters written `session: AsyncSession = Depends(get_session)` (or inline
    `Annotated[AsyncSession, Depends(get_session)]`) are rewritten to the project's alias,
    `session: DatabaseDep`, where the project defines `DatabaseDep = Annotated[AsyncSession,
    Depends(get_db_session)]` (also `DatabaseDep: TypeAlias = ...` and `type DatabaseDep = ...`;
    the latter needs a FastAPI that unwraps PEP 695 aliases; it is read and rewritten whatever
    Python fixit runs on).

    Why: one spelling of the session dependency means one place to change it (another session
    factory, a read replica, a test override) and no endpoint silently using a different one.

    A parameter is rewritten only when its dependency resolves (through imports, re-exports and
    `get_session = get_db_session` aliases) to the alias's own function, and its declared type is
    the alias's type (or absent). This holds in route handlers and dependency functions alike.

    Parameter order: a parameter that loses its `= Depends(...)` default must not follow one that
    keeps a default. The rule is a keyword-only marker: `*` is inserted just before the first such
    parameter, never a reordering. FastAPI passes every parameter by keyword and builds the OpenAPI
    document in signature order, so it sees exactly the same parameters in the same order; code that
    calls the function directly by keyword keeps working, and a direct call that passed the session
    positionally fails loudly (TypeError) instead of silently binding the wrong arguments, as a
    reordering would. When the function has `*args` there is no place for `*`: review.

    Imports: the alias is imported the way the module already imports from the project (relative or
    absolute, into an existing import of the same module when there is one); `Depends`, the
    dependency function, `Annotated` and the session type are removed when the rewrite left them
    unused, and nothing else is removed.

    Left alone: `Depends(f, use_cache=False)` and other extra arguments (skipped), `Security(f)`
    (skipped), `dependencies=[Depends(f)]` and other uses outside a parameter (skipped), other
    dependencies (untouched), a declared type other than the alias's (review), a module where the
    alias cannot be imported without an import cycle or where its name is taken (review), functions
    defined above the alias in its own module (review), several aliases of one dependency with
    different types and no `alias=NAME` to choose (review; equivalent aliases, same type and same
    dependency, are one choice: the most used, then the one whose module is imported most, and the
    report says which). Only aliases that inject a session (their type, or their dependency's
    return annotation, is a SQLAlchemy/SQLModel session) are used unless `scope=all`. With no
    alias in the project nothing happens unless `create=true`.
    """

    name = "database-dep"
    summary = "use the project's DatabaseDep alias for Depends(get_session) parameters"
    safety = Safety.SAFE
    triggers = (b"Depends",)
    options: ClassVar[Mapping[str, Option]] = {
        "alias": Option("", "the alias to standardise on when several exist (NAME or module.NAME)"),
        "create": Option(False, "write an alias when the project has none", parse_bool),
        "module": Option("", "module for a created alias (default: the dependency function's module)"),
        "name": Option("DatabaseDep", "name of a created alias"),
        "dependency": Option("", "qualified dependency function of a created alias (default: inferred)"),
        "type": Option("", "qualified session type of a created alias (default: inferred)"),
        "scope": Option(
            "session",
            "which aliases to standardise on: 'session' (aliases injecting a SQLAlchemy/SQLModel "
            "session) or 'all' (every `Annotated[T, Depends(f)]` alias, `CurrentUser` too)",
            _parse_scope,
        ),
    }
    example_before = (
        "@router.get('/items')\n"
        "async def list_items(limit: int = 10, session: AsyncSession = Depends(get_session)):\n"
    )
    example_after = "@router.get('/items')\nasync def list_items(limit: int = 10, *, session: DatabaseDep):\n"
    rationale = (
        "Endpoints spelled the session dependency two ways, `DatabaseDep` and "
        "`AsyncSession = Depends(get_session)`. One alias keeps every endpoint on the same session "
        "factory and makes changing or overriding it a one-line edit."
    )
    behaviour_change = (
        "Where a session parameter followed a parameter with a default, it is now keyword-only "
        "(`*` inserted): FastAPI is unaffected, direct callers must pass the session by keyword."
    )
    commit_subject = "use DatabaseDep for {sites} session parameters"

    def __init__(self, options: Mapping[str, object] | None = None) -> None:
        super().__init__(options)
        self._reset()

    def _reset(self) -> None:
        self.aliases: dict[str, AliasDefinition] = {}  # dependency -> the alias to use
        self.ambiguous: dict[str, tuple[str, ...]] = {}  # dependency -> the aliases that compete
        self.modules: dict[str, ModulePlan] = {}  # relpath -> what to do there
        self.packages: tuple[str, ...] = ()
        self.created: CreatedAlias | None = None
        self.created_module: NewFile | None = None
        self.notes: list[str] = []

    # -- plan -----------------------------------------------------------------------------------

    def plan(self, project: Project) -> None:
        self._reset()
        self.packages = tuple(project.packages())
        depends_files = project.files_containing(*self.triggers)
        # An alias definition spells both `Annotated` and `Depends`: only those modules are read to
        # find aliases, and the others only when there is an alias (or one to create) to use.
        scans = _scan(project, [source for source in depends_files if b"Annotated" in source.data])
        index = project.model().index  # the semantic model's name layer
        _take_unnamed(index, project, scans)
        found = [
            alias
            for relpath, scan in scans.items()
            for written in scan.aliases
            if (alias := _resolve_alias(index, project.find_file(relpath), written)) is not None
        ]
        if self.settings["scope"] == "session":
            model = project.model()
            found = [alias for alias in found if _injects_session(model, alias)]
        plan_sites = self._choose_aliases(found)
        if not found and not self.settings["create"]:
            return
        scans.update(_scan(project, [source for source in depends_files if source.relpath not in scans]))
        scans = {source.relpath: scans[source.relpath] for source in depends_files if source.relpath in scans}
        _take_unnamed(index, project, scans)
        self._settle_equivalent_aliases(project, index, scans, found)
        if not self.aliases and self.settings["create"]:
            self._plan_created_alias(project, index, scans, found)
        related = set(self.aliases) | set(self.ambiguous)
        interesting = DEPENDS | SECURITY | ANNOTATED | related
        interesting |= {alias.type for alias in self.aliases.values()}
        alias_lines: dict[str, set[int]] = defaultdict(set)
        for alias in found:
            alias_lines[alias.relpath].add(alias.line)
        reachable = _ImportGraph(index)
        for relpath, scan in scans.items():
            source = project.find_file(relpath)
            if (
                not _depends_on_any(index, source.module, scan, related)
                and relpath not in plan_sites
                and not self._creates_in(source.module)
            ):
                continue
            resolved = {
                name: q for name in scan.names if (q := index.resolve(source.module, name)) in interesting
            }
            spellings = {
                dependency: _as_written(
                    project, source, self._spelling(index, scan, source, self.aliases[dependency], reachable)
                )
                for dependency in set(resolved.values()) & set(self.aliases)
            }
            self.modules[relpath] = ModulePlan(
                resolved, spellings, plan_sites.get(relpath, []), frozenset(alias_lines[relpath])
            )
        self._place_created_alias(project)

    def _choose_aliases(self, found: list[AliasDefinition]) -> dict[str, list[Site]]:
        """Pick one alias per dependency; returns review sites on aliases that compete with it."""
        wanted = self.settings["alias"]
        sites: dict[str, list[Site]] = defaultdict(list)
        if wanted:
            matches = [a for a in found if wanted in (a.name, a.qualified)]
            choices = ", ".join(sorted(a.qualified for a in found)) or "none"
            if len(matches) != 1:
                problem = "no alias" if not matches else "several aliases"
                raise ConfigError(f"{self.name}: {problem} named `{wanted}` (aliases found: {choices})")
            chosen = matches[0]
            self.aliases[chosen.dependency] = chosen
            for other in found:
                if other != chosen and other.dependency == chosen.dependency:
                    message = f"another alias of {chosen.dependency}: consider `{other.name} = {chosen.name}`"
                    sites[other.relpath].append(Site(other.line, 0, Action.REVIEW, message))
            return sites
        by_dependency: dict[str, list[AliasDefinition]] = defaultdict(list)
        for alias in found:
            by_dependency[alias.dependency].append(alias)
        for dependency, aliases in by_dependency.items():
            if len(aliases) == 1:
                self.aliases[dependency] = aliases[0]
            else:
                self.ambiguous[dependency] = tuple(sorted(a.qualified for a in aliases))
        return sites

    def _settle_equivalent_aliases(
        self,
        project: Project,
        index: ProjectIndex,
        scans: Mapping[str, ModuleScan],
        found: list[AliasDefinition],
    ) -> None:
        """Aliases of one dependency with one type are one choice, not a question: the one the most
        modules use, then the one whose module the most modules import, then the first by name."""
        used: dict[str, int] = defaultdict(int)
        importers: dict[str, int] = defaultdict(int)
        if not self.ambiguous:
            return
        for relpath, scan in scans.items():
            name = project.find_file(relpath).module
            for qualified in {index.resolve(name, written) for written in scan.names}:
                used[qualified] += 1
            facts = index.modules.get(name)
            for target in set(facts.imports.values()) if facts is not None else ():
                importers[target.rpartition(".")[0]] += 1
                importers[target] += 1
        for dependency, names in list(self.ambiguous.items()):
            aliases = [alias for alias in found if alias.qualified in names]
            if len({alias.type for alias in aliases}) != 1:
                continue  # different types: a real choice, left to alias=NAME
            chosen = min(aliases, key=lambda a: (-used[a.qualified], -importers[a.module], a.qualified))
            del self.ambiguous[dependency]
            self.aliases[dependency] = chosen
            others = ", ".join(a.qualified for a in aliases if a is not chosen)
            self.notes.append(
                f"several equivalent aliases inject {dependency}: using {chosen.qualified} "
                f"(used in {used[chosen.qualified]} modules; also defined: {others}); "
                "choose another with alias=NAME"
            )

    def _spelling(
        self,
        index: ProjectIndex,
        scan: ModuleScan,
        source: SourceFile,
        alias: AliasDefinition,
        graph: _ImportGraph,
    ) -> Spelling:
        module = source.module
        if alias.module == module:
            return Spelling(alias.name, defined_at=alias.line)
        facts = index.modules.get(module)
        bindings = sorted(scan.top_level_names)
        for local in bindings:
            if index.resolve(module, local) == alias.qualified:
                return Spelling(local)
        for local, target in sorted(facts.imports.items() if facts else ()):
            if target == alias.module:
                return Spelling(f"{local}.{alias.name}")
        if alias.name in bindings:
            return Spelling(alias.name, blocked=f"the name {alias.name} is already taken in this module")
        origin = _reexporting_module(index, graph.imports_of(module), alias) or alias.module
        if module in graph.reachable_from(origin):
            reason = f"{origin} imports this module: importing {alias.name} here would create an import cycle"
            return Spelling(alias.name, blocked=reason)
        return Spelling(alias.name, import_from=origin)

    # -- create=true ------------------------------------------------------------------------------

    def _plan_created_alias(
        self,
        project: Project,
        index: ProjectIndex,
        scans: dict[str, ModuleScan],
        found: list[AliasDefinition],
    ) -> None:
        dependency, type_name = self._created_alias_target(index, project, scans)
        if not dependency:
            return
        if any(alias.dependency == dependency for alias in found):
            return  # ambiguous aliases exist for it; creating a third would not help
        function = index.function(dependency)
        dependency_module = dependency.rpartition(".")[0]
        module = self.settings["module"] or dependency_module
        package = module.rpartition(".")[0]
        if project.find_module(module) is None and (package and project.find_module(package) is None):
            self.notes.append(f"create=true: cannot create module {module}: there is no package {package}")
            return
        if self._name_taken(index, scans, project, module):
            self.notes.append(
                f"create=true: {module} already has a {self.settings['name']}; set {self.name}.name"
            )
            return
        alias = AliasDefinition(self.settings["name"], module, "", 0, type_name, dependency)
        after = function.name if function is not None and module == dependency_module else ""
        self.notes.append(f"created {_alias_statement(alias)} in {module}")
        self.created = CreatedAlias(alias, after, "" if module == dependency_module else dependency_module)
        self.aliases[dependency] = alias

    def _name_taken(
        self, index: ProjectIndex, scans: dict[str, ModuleScan], project: Project, module: str
    ) -> bool:
        name = self.settings["name"]
        facts = index.modules.get(module)
        source = project.find_module(module)
        scan = scans.get(source.relpath) if source is not None else None
        bound = set(scan.top_level_names) if scan is not None else set()
        if facts is not None:
            bound |= {*facts.imports, *facts.aliases, *facts.functions, *facts.classes}
        return name in bound

    def _created_alias_target(
        self, index: ProjectIndex, project: Project, scans: dict[str, ModuleScan]
    ) -> tuple[str, str]:
        wanted_dependency = (
            index.canonical(self.settings["dependency"]) if self.settings["dependency"] else ""
        )
        wanted_type = self.settings["type"]
        if wanted_dependency and wanted_type:
            return wanted_dependency, wanted_type
        pairs = set()
        for relpath, scan in scans.items():
            source = project.find_file(relpath)
            for written in scan.dependencies:
                if not written.type or source is None:
                    continue
                pair = (
                    index.resolve(source.module, written.dependency),
                    index.resolve(source.module, written.type),
                )
                if index.resolve(source.module, written.depends) in DEPENDS and pair[1] in SESSION_TYPES:
                    pairs.add(pair)
        pairs = {p for p in pairs if p[0] == (wanted_dependency or p[0]) and p[1] == (wanted_type or p[1])}
        if len(pairs) != 1:
            found = ", ".join(f"{d} ({t})" for d, t in sorted(pairs)) or "none"
            self.notes.append(
                f"create=true: cannot tell which session dependency to alias (found: {found}); "
                f"set {self.name}.dependency and {self.name}.type"
            )
            return "", ""
        return next(iter(pairs))

    def _creates_in(self, module: str) -> bool:
        return self.created is not None and self.created.alias.module == module

    def _place_created_alias(self, project: Project) -> None:
        created = self.created
        if created is None:
            return
        target = project.find_module(created.alias.module)
        if target is None:
            self.created_module = self._new_alias_module(project, created)
            return
        plan = self.modules.setdefault(target.relpath, ModulePlan({}, {}))
        plan.created = created

    def _new_alias_module(self, project: Project, created: CreatedAlias) -> NewFile:
        path = project.path_for_module(created.alias.module)
        lines = ['"""The database session dependency, to annotate parameters with."""']
        specs = sorted(
            _alias_import_specs(created),
            key=lambda spec: (section_of(spec.module, 0, self.packages), spec.module),
        )
        previous_section = -1
        for spec in specs:
            section = section_of(spec.module, 0, self.packages)
            if section != previous_section:
                lines.append("")
            lines.append(f"from {spec.module} import {spec.obj}")
            previous_section = section
        lines += ["", "", _alias_statement(created.alias)]
        return NewFile(project.relpath_for(path), "\n".join(lines) + "\n")

    # -- phases ---------------------------------------------------------------------------------

    def candidates(self, project: Project) -> Iterable[SourceFile]:
        return [source for source in project.files if source.relpath in self.modules]

    def new_files(self, project: Project) -> list[NewFile]:
        return [self.created_module] if self.created_module else []

    def report_notes(self) -> list[str]:
        notes = list(self.notes)
        for dependency, aliases in sorted(self.ambiguous.items()):
            notes.append(
                f"several aliases inject {dependency} ({', '.join(aliases)}): choose one with alias=NAME"
            )
        return notes

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        plan = self.modules.get(source.relpath)
        if plan is None:
            return None
        lines = source.lines
        created_line = _created_alias_line(lines, plan.created)
        rewriter = ParameterRewriter(plan, self.aliases, self.ambiguous, created_line, lines)
        # every decision starts from a `Depends(...)`/`Security(...)` call: only the statements
        # spelling one are visited inside
        callees = {name.rpartition(".")[2] for name, qualified in plan.resolved.items() if qualified in DEPENDS | SECURITY}
        tree = visit_near(source.cst, rewriter, lines, lines_naming(source.text, callees))
        if plan.created is not None:
            tree = _insert_created_alias(tree, plan.created)
        sites = sorted([*plan.sites, *rewriter.sites], key=lambda s: (s.line, s.column))
        if not rewriter.changed and plan.created is None:
            return FileRewrite(None, sites)
        tree = self._update_imports(tree, source, rewriter)
        return FileRewrite(source.code_of(tree), sites)

    def _update_imports(
        self, tree: cst.Module, source: SourceFile, rewriter: ParameterRewriter
    ) -> cst.Module:
        editor = ImportEditor(tree, source, self.packages)
        neighbours = editor.project_names(rewriter.released)
        relative = bool(neighbours) and editor.bindings[neighbours[-1]][1] > 0
        for spelling in sorted(rewriter.imports_needed, key=lambda s: s.text):
            module = spelling.import_from if relative else spelling.written_from or spelling.import_from
            editor.add(ImportSpec(module, spelling.text), neighbours, relative)
        created = self.modules[source.relpath].created
        for spec in _alias_import_specs(created) if created is not None else ():
            editor.add(spec)
        return editor.finish(rewriter.released)


def _injects_session(model: SemanticModel, alias: AliasDefinition) -> bool:
    """Is the alias's type a session, or does its dependency function return or yield one (by
    its annotation: `AsyncGenerator[AsyncSession, None]`, `Session`, ...)?"""
    if alias.type in SESSION_TYPES:
        return True
    found = model.function(alias.dependency)
    if found is None:
        return False
    info, function = found
    module = info.source.module
    returns = function.returns
    names = {dotted_name(node) for node in walk_ast(returns)} if returns is not None else set()
    return any(model.resolve(module, name, function.lineno) in SESSION_TYPES for name in names if name)


def _resolve_alias(index: ProjectIndex, source: SourceFile, written: WrittenAlias) -> AliasDefinition | None:
    module = source.module

    def resolve(name: str) -> str:
        return index.resolve(module, name)

    if resolve(written.annotated) not in ANNOTATED or resolve(written.depends) not in DEPENDS:
        return None
    if written.marker and resolve(written.marker) not in TYPE_ALIAS:
        return None
    return AliasDefinition(
        written.name, module, source.relpath, written.line, resolve(written.type), resolve(written.dependency)
    )


def _as_written(project: Project, source: SourceFile, spelling: Spelling) -> Spelling:
    """The spelling with its import as `source`'s own imports spell the project's modules."""
    if not spelling.import_from:
        return spelling
    written = project.import_name(source, spelling.import_from)
    return replace(spelling, written_from=written) if written != spelling.import_from else spelling


def _reexporting_module(index: ProjectIndex, imported: set[str], alias: AliasDefinition) -> str | None:
    """A module this one already imports from that also offers the alias (a package re-exporting it)."""
    for module in sorted(imported):
        if module != alias.module and index.resolve(module, alias.name) == alias.qualified:
            return module
    return None


def _scan(project: Project, files: Sequence[SourceFile]) -> dict[str, ModuleScan]:
    return {mapped.source.relpath: mapped.value for mapped in project.map(scan_module, files)}


def _depends_on_any(index: ProjectIndex, module: str, scan: ModuleScan, dependencies: set[str]) -> bool:
    """Does the module call `Depends(f)` or `Security(f)` (in a parameter or anywhere else) with `f`
    one of `dependencies`? Only the names of such calls are resolved."""
    return bool(dependencies) and any(
        index.resolve(module, dependency) in dependencies
        and index.resolve(module, callee) in DEPENDS | SECURITY
        for callee, dependency in sorted(scan.dependency_calls)
    )


def _take_unnamed(index: ProjectIndex, project: Project, scans: Mapping[str, ModuleScan]) -> None:
    """Which file the module name "" stands for: a script outside any package, as scanned last."""
    for relpath in scans:
        source = project.find_file(relpath)
        if source is not None and not source.module and hasattr(index.modules, "stand_for_unnamed"):
            index.modules.stand_for_unnamed(source)


class _ImportGraph:
    """Which project modules a module imports, directly or not (to avoid creating import cycles)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.cache: dict[str, set[str]] = {}

    def imports_of(self, module: str) -> set[str]:
        facts = self.index.modules.get(module)
        targets = facts.imports.values() if facts else ()
        return {found for target in targets if (found := self.index.split_module(target)[0]) is not None}

    def reachable_from(self, module: str) -> set[str]:
        if module not in self.cache:
            seen: set[str] = set()
            pending = list(self.imports_of(module))
            while pending:
                current = pending.pop()
                if current not in seen:
                    seen.add(current)
                    pending.extend(self.imports_of(current))
            self.cache[module] = seen
        return self.cache[module]


# -- the rewrite (LibCST, in worker processes) --------------------------------------------------------


@dataclass
class Decision:
    action: Action
    message: str
    annotation: cst.BaseExpression | None = None  # the new annotation when CHANGED
    drops_default: bool = False
    spelling: Spelling | None = None
    released: tuple[str, ...] = ()  # names whose uses the rewrite removes


@dataclass(frozen=True)
class DependsCall:
    kind: str  # "Depends" or "Security"
    dependency: str  # qualified ("" when not a project dependency we know)
    extra: str  # the extra arguments as written, "" when none
    names: tuple[str, ...]  # the call's own dotted names (callee, dependency)


class ParameterRewriter(cst.CSTTransformer):
    def __init__(
        self,
        plan: ModulePlan,
        aliases: dict[str, AliasDefinition],
        ambiguous: dict[str, tuple[str, ...]],
        created_line: int,
        lines: Lines,
    ) -> None:
        super().__init__()
        self.lines = lines
        self.plan = plan
        self.aliases = aliases
        self.ambiguous = ambiguous
        self.created_line = created_line
        self.sites: list[Site] = []
        self.changed = False
        self.released: set[str] = set()
        self.imports_needed: set[Spelling] = set()
        self.owners: list[int | None] = []  # def line of each enclosing function (None: lambda)
        self.in_parameter = 0
        self.in_alias_definition = False

    # -- bookkeeping of where we are --------------------------------------------------------------

    def _line(self, node: cst.CSTNode) -> int:
        return self.lines.start(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.owners.append(self._line(node))

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.owners.pop()
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.owners.append(None)

    def leave_Lambda(self, original_node: cst.Lambda, updated_node: cst.Lambda) -> cst.Lambda:
        self.owners.pop()
        return updated_node

    def visit_Param(self, node: cst.Param) -> None:
        self.in_parameter += 1

    def leave_Param(self, original_node: cst.Param, updated_node: cst.Param) -> cst.Param:
        self.in_parameter -= 1
        return updated_node

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.in_alias_definition = self._line(node) in self.plan.alias_lines

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        self.in_alias_definition = False
        return updated_node

    def visit_Call(self, node: cst.Call) -> None:
        if self.in_parameter or self.in_alias_definition:
            return
        call = self._depends_call(node)
        if call is not None and self._related(call.dependency):
            message = f"{call.kind}({call.names[-1]}) outside a parameter (e.g. dependencies=[...]): nothing to annotate"
            self.sites.append(Site(self._line(node), 0, Action.SKIPPED, message))

    # -- name resolution ------------------------------------------------------------------------

    def _resolve(self, node: cst.BaseExpression) -> str:
        name = dotted(node)
        return self.plan.resolved.get(name, "") if name else ""

    def _related(self, dependency: str) -> bool:
        return dependency in self.aliases or dependency in self.ambiguous

    def _depends_call(self, node: cst.BaseExpression) -> DependsCall | None:
        if not isinstance(node, cst.Call):
            return None
        callee = self._resolve(node.func)
        kind = "Depends" if callee in DEPENDS else "Security" if callee in SECURITY else ""
        if not kind:
            return None
        dependency_argument = None
        extra = []
        for argument in node.args:
            is_dependency = (
                argument.keyword is None and dependency_argument is None and not argument.star
            ) or (argument.keyword is not None and argument.keyword.value == "dependency")
            if is_dependency and dependency_argument is None:
                dependency_argument = argument.value
            elif not _is_default_use_cache(argument):
                extra.append(code_for_node(argument).strip().rstrip(","))
        if dependency_argument is None:
            return None
        names = tuple(n for n in (dotted(node.func), dotted(dependency_argument)) if n)
        return DependsCall(kind, self._resolve(dependency_argument), ", ".join(extra), names)

    # -- the decision for one parameter ----------------------------------------------------------

    def _decide(self, param: cst.Param) -> Decision | None:
        annotation = param.annotation.annotation if param.annotation else None
        annotated = self._annotated_dependency(annotation) if annotation is not None else None
        if annotated is not None:
            call, type_node, metadata_count, names = annotated
            if param.default is not None:
                return Decision(
                    Action.SKIPPED, f"Annotated {call.kind}({call.names[-1]}) with a default value"
                )
            if metadata_count != 1:
                return Decision(Action.SKIPPED, "Annotated carries other metadata besides the dependency")
            return self._decide_dependency(call, type_node, names, drops_default=False)
        call = self._depends_call(param.default) if param.default is not None else None
        if call is None or not self._related(call.dependency):
            return None
        names = (dotted(annotation),) if annotation is not None else ()
        return self._decide_dependency(call, annotation, tuple(n for n in names if n), drops_default=True)

    def _annotated_dependency(
        self, annotation: cst.BaseExpression
    ) -> tuple[DependsCall, cst.BaseExpression, int, tuple[str, ...]] | None:
        if not isinstance(annotation, cst.Subscript) or self._resolve(annotation.value) not in ANNOTATED:
            return None
        elements = [
            element.slice.value for element in annotation.slice if isinstance(element.slice, cst.Index)
        ]
        calls = [c for c in map(self._depends_call, elements[1:]) if c is not None]
        if len(calls) != 1 or not self._related(calls[0].dependency):
            return None
        names = tuple(n for n in (dotted(annotation.value), dotted(elements[0])) if n)
        return calls[0], elements[0], len(elements) - 1, names

    def _decide_dependency(
        self,
        call: DependsCall,
        type_node: cst.BaseExpression | None,
        names: tuple[str, ...],
        drops_default: bool,
    ) -> Decision:
        written = f"{call.kind}({call.names[-1]})"
        if call.kind == "Security":
            return Decision(
                Action.SKIPPED, f"{written}: Security dependencies carry scopes, the alias does not"
            )
        if call.extra:
            return Decision(Action.SKIPPED, f"{written} with {call.extra} is not what the alias injects")
        if call.dependency in self.ambiguous:
            choices = ", ".join(self.ambiguous[call.dependency])
            return Decision(
                Action.REVIEW, f"several aliases inject {call.dependency} ({choices}): set alias=NAME"
            )
        alias = self.aliases[call.dependency]
        declared = self._resolve(type_node) if type_node is not None else alias.type
        if declared != alias.type:
            shown = code_for_node(type_node) if type_node is not None else ""
            return Decision(Action.REVIEW, f"declared type {shown} is not {alias.name}'s type {alias.type}")
        spelling = self.plan.spellings[call.dependency]
        if spelling.blocked:
            return Decision(Action.REVIEW, spelling.blocked)
        defined_at = spelling.defined_at or self.created_line
        owner = self.owners[-1] if self.owners else None
        if defined_at and owner is not None and owner <= defined_at:
            return Decision(
                Action.REVIEW, f"defined above {alias.name} in this module: it cannot use the alias"
            )
        released = tuple(name.split(".")[0] for name in (*names, *call.names))
        return Decision(
            Action.CHANGED,
            f"uses {alias.name}",
            cst.parse_expression(spelling.text),
            drops_default,
            spelling,
            released,
        )

    # -- applying the decisions to one signature ------------------------------------------------

    def leave_Parameters(self, original_node: cst.Parameters, updated_node: cst.Parameters) -> cst.Parameters:
        if not self.owners or self.owners[-1] is None:
            return updated_node  # a lambda
        decisions = {id(p): d for p in original_node.params if (d := self._decide(p)) is not None}
        decisions.update(
            {id(p): d for p in original_node.kwonly_params if (d := self._decide(p)) is not None}
        )
        for param in original_node.posonly_params:
            decision = self._decide(param)
            if decision is not None and decision.action is Action.CHANGED:
                decision = Decision(Action.REVIEW, "positional-only parameter: leaving its default alone")
            if decision is not None:
                self._report(param, decision)
        if not decisions:
            return updated_node
        keyword_only_from = _first_needing_keyword_only(original_node, decisions)
        if keyword_only_from is not None and isinstance(updated_node.star_arg, cst.Param):
            for param in original_node.params[keyword_only_from:]:
                if _drops_default(decisions.get(id(param))):
                    decisions[id(param)] = Decision(
                        Action.REVIEW,
                        "follows a parameter with a default and *args leaves no room for a `*` marker",
                    )
            keyword_only_from = None
        params = [self._apply(o, u, decisions) for o, u in zip(original_node.params, updated_node.params)]
        kwonly = [
            self._apply(o, u, decisions)
            for o, u in zip(original_node.kwonly_params, updated_node.kwonly_params)
        ]
        made_keyword_only = (
            {id(p) for p in original_node.params[keyword_only_from:]}
            if keyword_only_from is not None
            else set()
        )
        for param in (*original_node.params, *original_node.kwonly_params):
            if id(param) in decisions:
                self._report(param, decisions[id(param)], keyword_only=id(param) in made_keyword_only)
        if keyword_only_from is None:
            return updated_node.with_changes(params=params, kwonly_params=kwonly)
        comma = _comma_before(updated_node, keyword_only_from)
        return updated_node.with_changes(
            params=params[:keyword_only_from],
            star_arg=cst.ParamStar(comma=comma),
            kwonly_params=[*params[keyword_only_from:], *kwonly],
        )

    def _apply(self, original: cst.Param, updated: cst.Param, decisions: dict[int, Decision]) -> cst.Param:
        decision = decisions.get(id(original))
        if decision is None or decision.action is not Action.CHANGED or decision.annotation is None:
            return updated
        self.changed = True
        self.released.update(decision.released)
        if decision.spelling is not None and decision.spelling.import_from:
            self.imports_needed.add(decision.spelling)
        annotation = (
            updated.annotation.with_changes(annotation=decision.annotation)
            if updated.annotation is not None
            else cst.Annotation(decision.annotation)
        )
        if not decision.drops_default:
            return updated.with_changes(annotation=annotation)
        return updated.with_changes(annotation=annotation, default=None, equal=cst.MaybeSentinel.DEFAULT)

    def _report(self, param: cst.Param, decision: Decision, keyword_only: bool = False) -> None:
        message = decision.message
        if keyword_only and decision.action is Action.CHANGED:
            message += " (keyword-only now: it followed a parameter with a default)"
        self.sites.append(Site(self._line(param), 0, decision.action, message))


def _is_default_use_cache(argument: cst.Arg) -> bool:
    return (
        argument.keyword is not None
        and argument.keyword.value == "use_cache"
        and isinstance(argument.value, cst.Name)
        and argument.value.value == "True"
    )


def _first_needing_keyword_only(node: cst.Parameters, decisions: dict[int, Decision]) -> int | None:
    """Index in `node.params` of the first parameter that loses its default after one that keeps it."""
    seen_default = any(p.default is not None for p in node.posonly_params)
    for position, param in enumerate(node.params):
        loses_default = _drops_default(decisions.get(id(param)))
        if loses_default and seen_default:
            return position
        if param.default is not None and not loses_default:
            seen_default = True
    return None


def _drops_default(decision: Decision | None) -> bool:
    return decision is not None and decision.action is Action.CHANGED and decision.drops_default


def _comma_before(node: cst.Parameters, position: int) -> cst.Comma:
    """The comma (and the whitespace after it) that leads into params[position], for the new `*,`."""
    previous = node.params[position - 1].comma if position else getattr(node.posonly_ind, "comma", None)
    if not isinstance(previous, cst.Comma):
        return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    after = previous.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace):  # one parameter a line: `*,` gets its own, no comment
        after = after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return previous.with_changes(whitespace_after=after)


def _import_bindings(tree: cst.Module, source: SourceFile) -> dict[str, tuple[ImportSpec, int]]:
    """Local name -> (the import that binds it, with an absolute module; its relative level)."""
    bindings: dict[str, tuple[ImportSpec, int]] = {}
    for statement in _top_level_simple_statements(tree.body):
        for part in statement.body:
            if isinstance(part, cst.ImportFrom) and not isinstance(part.names, cst.ImportStar):
                level = len(part.relative)
                written = dotted(part.module) if part.module is not None else None
                module = resolve_relative(source.module, source.is_package, level, written)
                for alias in part.names:
                    name = dotted(alias.name) or ""
                    asname = dotted(alias.asname.name) if alias.asname else None
                    bindings[asname or name] = (ImportSpec(module, name, asname), level)
            elif isinstance(part, cst.Import):
                for alias in part.names:
                    name = dotted(alias.name) or ""
                    asname = dotted(alias.asname.name) if alias.asname else None
                    bindings[asname or name.split(".")[0]] = (ImportSpec(name, None, asname), 0)
    return bindings


def _top_level_simple_statements(body: Sequence[cst.CSTNode]) -> Iterable[cst.SimpleStatementLine]:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield statement
        elif isinstance(statement, cst.If):
            yield from _top_level_simple_statements(statement.body.body)
            if isinstance(statement.orelse, (cst.Else, cst.If)):
                yield from _top_level_simple_statements(
                    [statement.orelse] if isinstance(statement.orelse, cst.If) else statement.orelse.body.body
                )
        elif isinstance(statement, cst.Try):
            yield from _top_level_simple_statements(statement.body.body)


class ImportEditor:
    """Adds imports where a person would (into an existing import of the same module, else in sorted
    order into the block of its isort section, else as a new block) and removes released ones."""

    def __init__(self, tree: cst.Module, source: SourceFile, packages: Sequence[str]) -> None:
        self.tree = tree
        self.source = source
        self.packages = packages
        self.bindings = _import_bindings(tree, source)
        self.package = _module_package(source.module, source.is_package)
        self.merge: list[ImportSpec] = []

    def project_names(self, preferred: set[str]) -> list[str]:
        """Names bound by imports from the project: the `preferred` ones when there are some."""
        project = [
            name
            for name, (spec, level) in self.bindings.items()
            if section_of(spec.module, level, self.packages) == PROJECT
        ]
        return [name for name in project if name in preferred] or project

    def add(self, spec: ImportSpec, neighbours: Sequence[str] = (), relative: bool = False) -> None:
        """Import `spec` (absolute), written relative when `relative`, beside the imports of `neighbours`."""
        bound = [b for b, _ in self.bindings.values()]
        if any(b.module == spec.module and b.obj == spec.obj and not b.asname for b in bound):
            return
        if any(b.module == spec.module and b.obj for b in bound):
            self.merge.append(spec)  # joins the existing `from <module> import ...`
            return
        section = section_of(spec.module, 0, self.packages)
        if not neighbours:
            neighbours = [
                n
                for n, (b, level) in self.bindings.items()
                if section_of(b.module, level, self.packages) == section
            ]
        written = _relative_spec(spec, self.package) if relative else spec
        placed = self._insert(written, set(neighbours), section)
        if placed is None:
            self.merge.append(spec)  # a module without imports: LibCST places it
        else:
            self.tree = placed

    def finish(self, released: set[str]) -> cst.Module:
        removable = [self.bindings[name][0] for name in sorted(released) if name in self.bindings]
        tree = update_imports_in_package(self.tree, self.merge, (), self.source.module, self.package)
        before_removal = tree.body
        tree = update_imports_in_package(tree, (), removable, self.source.module, self.package)
        return _restore_blank_lines(before_removal, tree)

    def _insert(self, spec: ImportSpec, neighbours: set[str], section: int) -> cst.Module | None:
        body = list(self.tree.body)
        statement = cst.parse_statement(f"from {'.' * spec.relative}{spec.module} import {spec.obj}")
        holders = [i for i, line in enumerate(body) if _bound_by_import(line) & neighbours]
        if holders:
            position, takes_lines = _sorted_position(body, holders[-1], statement)
        else:
            imports = [i for i, line in enumerate(body) if _bound_by_import(line)]
            if not imports:
                return None
            later = [i for i in imports if self._section(body[i]) > section]
            position = later[0] if later else imports[-1] + 1
            takes_lines = bool(later)
            statement = statement.with_changes(leading_lines=[cst.EmptyLine()])
        if takes_lines:  # the new first statement of a block takes over the lines above the block
            lines = body[position].leading_lines
            body[position] = body[position].with_changes(leading_lines=statement.leading_lines)
            statement = statement.with_changes(leading_lines=lines)
        body.insert(position, statement)
        return self.tree.with_changes(body=body)

    def _section(self, statement: cst.CSTNode) -> int:
        part = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
        if isinstance(part, cst.ImportFrom):
            module = dotted(part.module) if part.module is not None else ""
            return section_of(module or "", len(part.relative), self.packages)
        if isinstance(part, cst.Import):
            return section_of(dotted(part.names[0].name) or "", 0, self.packages)
        return PROJECT


STANDARD_LIBRARY, THIRD_PARTY, PROJECT = 0, 1, 2


def section_of(module: str, level: int, packages: Sequence[str]) -> int:
    top = module.split(".")[0]
    if level or top in packages:
        return PROJECT
    return STANDARD_LIBRARY if top in sys.stdlib_module_names or top == "__future__" else THIRD_PARTY


def _sorted_position(body: list[cst.CSTNode], holder: int, statement: cst.CSTNode) -> tuple[int, bool]:
    """Where `statement` goes, sorted, in the block of import statements around `body[holder]`;
    and whether it becomes that block's first statement."""
    start = end = holder
    while start > 0 and _bound_by_import(body[start - 1]) and not body[start].leading_lines:
        start -= 1
    while end + 1 < len(body) and _bound_by_import(body[end + 1]) and not body[end + 1].leading_lines:
        end += 1
    key = _import_sort_key(statement)
    position = next((i for i in range(start, end + 1) if _import_sort_key(body[i]) > key), end + 1)
    return position, position == start


def _bound_by_import(statement: cst.CSTNode) -> set[str]:
    """Local names bound by a top-level import statement (empty for anything else)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return set()
    names = set()
    for part in statement.body:
        if isinstance(part, (cst.Import, cst.ImportFrom)) and not isinstance(part.names, cst.ImportStar):
            for alias in part.names:
                bound = alias.asname.name if alias.asname else alias.name
                names.add((dotted(bound) or "").split(".")[0])
    return names


def _import_sort_key(statement: cst.CSTNode) -> tuple[int, str]:
    """isort's default order: `import x` before `from x import y`, then by module."""
    part = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    if isinstance(part, cst.ImportFrom):
        module = dotted(part.module) if part.module is not None else ""
        return 1, "." * len(part.relative) + (module or "").lower()
    if isinstance(part, cst.Import):
        return 0, (dotted(part.names[0].name) or "").lower()
    return 2, ""


def _restore_blank_lines(before: Sequence[cst.CSTNode], after: cst.Module) -> cst.Module:
    """Removing an import statement drops the lines above it (a blank line between import groups,
    or none at the top of the file). Give them to the statement that follows, when it has none of
    its own or when the removed statement was the first of the module."""
    kept = list(after.body)
    position = 0
    carried: Sequence[cst.EmptyLine] | None = None
    for statement in before:
        if position < len(kept) and _same_statement(statement, kept[position]):
            if carried is not None and (not kept[position].leading_lines or position == 0):
                kept[position] = kept[position].with_changes(leading_lines=carried)
            carried = None
            position += 1
        elif not carried:
            carried = statement.leading_lines
    return after.with_changes(body=kept)


def _same_statement(before: cst.CSTNode, after: cst.CSTNode) -> bool:
    """`after` is `before`, or the same import statement with some of its names removed."""
    if before.deep_equals(after):
        return True
    if not (isinstance(before, cst.SimpleStatementLine) and isinstance(after, cst.SimpleStatementLine)):
        return False
    return bool(_bound_by_import(after)) and _bound_by_import(after) <= _bound_by_import(before)


def _relative_spec(spec: ImportSpec, package: str) -> ImportSpec:
    """`from ..database import X` for `from app.database import X` seen from package `app.api`."""
    package_parts = package.split(".") if package else []
    target_parts = spec.module.split(".")
    common = 0
    while (
        common < min(len(package_parts), len(target_parts)) and package_parts[common] == target_parts[common]
    ):
        common += 1
    if common == 0:
        return spec
    level = len(package_parts) - common + 1
    return ImportSpec(".".join(target_parts[common:]), spec.obj, spec.asname, relative=level)


# -- the created alias -------------------------------------------------------------------------------


def _alias_import_specs(created: CreatedAlias) -> list[ImportSpec]:
    alias = created.alias
    type_module, _, type_name = alias.type.rpartition(".")
    specs = [ImportSpec("typing", "Annotated"), ImportSpec("fastapi", "Depends")]
    if type_module:
        specs.append(ImportSpec(type_module, type_name))
    if created.dependency_import:
        specs.append(ImportSpec(created.dependency_import, alias.dependency.rpartition(".")[2]))
    return specs


def _alias_statement(alias: AliasDefinition) -> str:
    type_name = alias.type.rpartition(".")[2]
    function = alias.dependency.rpartition(".")[2]
    return f"{alias.name} = Annotated[{type_name}, Depends({function})]"


def _anchor_index(body: Sequence[cst.CSTNode], created: CreatedAlias) -> int:
    """Position in the module body after which the created alias goes (-1: at the top)."""
    if not created.dependency_import:  # the dependency's own module: once the function exists
        for position, statement in enumerate(body):
            if isinstance(statement, cst.FunctionDef) and statement.name.value == created.after_function:
                return position
        return len(body) - 1
    imports = [
        position
        for position, statement in enumerate(body)
        if isinstance(statement, cst.SimpleStatementLine)
        and any(isinstance(part, (cst.Import, cst.ImportFrom)) for part in statement.body)
    ]
    return imports[-1] if imports else len(body) - 1


def _created_alias_line(lines: Lines, created: CreatedAlias | None) -> int:
    """The last line of the statement the created alias follows: functions below it may use it."""
    if created is None:
        return 0
    body = lines.module.body
    position = _anchor_index(body, created)
    if position < 0:
        return 0
    return lines.end(body[position])


def _insert_created_alias(tree: cst.Module, created: CreatedAlias) -> cst.Module:
    """The alias after its anchor: two blank lines after a def or class, else one."""
    position = _anchor_index(tree.body, created) + 1
    after_definition = position > 0 and isinstance(tree.body[position - 1], (cst.FunctionDef, cst.ClassDef))
    blank_lines = 2 if after_definition else 1
    statement = cst.parse_statement(_alias_statement(created.alias))
    body = list(tree.body)
    body.insert(position, statement.with_changes(leading_lines=[cst.EmptyLine()] * blank_lines))
    if position + 1 < len(body):
        follower = body[position + 1]
        wanted = 2 if isinstance(follower, (cst.FunctionDef, cst.ClassDef)) else 1
        if not any(line.comment for line in follower.leading_lines):
            body[position + 1] = follower.with_changes(leading_lines=[cst.EmptyLine()] * wanted)
    return tree.with_changes(body=body)
