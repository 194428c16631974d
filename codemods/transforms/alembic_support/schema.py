"""Where the project's schema lives, from the stdlib AST and the project index: declarative bases,
`MetaData()` objects, the modules that define models on them, and the engines with their URLs."""

from __future__ import annotations

import ast
import builtins
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from fixit_codemods.ast_walk import walk_ast
from fixit_codemods.index import ProjectIndex, dotted_name, top_level_statements
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile

DECLARATIVE_BASE_CLASSES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)
BASE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
# SQLModel is itself the declarative base: `SQLModel.metadata` holds every `table=True` model.
EXTERNAL_BASES = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
METADATA_CLASSES = frozenset(
    {"sqlalchemy.MetaData", "sqlalchemy.schema.MetaData", "sqlalchemy.sql.schema.MetaData"}
)
TABLE_CLASSES = frozenset({"sqlalchemy.Table", "sqlalchemy.schema.Table", "sqlalchemy.sql.schema.Table"})
# engine factory -> whether the engine is async
ENGINE_FACTORIES = {
    "sqlalchemy.create_engine": False,
    "sqlalchemy.engine.create_engine": False,
    "sqlmodel.create_engine": False,
    "sqlalchemy.ext.asyncio.create_async_engine": True,
    "sqlalchemy.ext.asyncio.engine.create_async_engine": True,
}
# The last part of every SQLAlchemy name above. A module can only use one of them — or a class,
# metadata or engine built from one — by writing that name or a name it was imported or assigned as.
SCHEMA_NAMES = frozenset(
    name.rpartition(".")[2]
    for name in (
        *DECLARATIVE_BASE_CLASSES,
        *BASE_FACTORIES,
        *EXTERNAL_BASES,
        *METADATA_CLASSES,
        *TABLE_CLASSES,
        *ENGINE_FACTORIES,
    )
)


@dataclass(frozen=True)
class ImportLine:
    """`import module` (name None) or `from module import name [as alias]`."""

    module: str
    name: str | None = None
    alias: str | None = None

    def render(self) -> str:
        if self.name is None:
            return f"import {self.module} as {self.alias}" if self.alias else f"import {self.module}"
        suffix = f" as {self.alias}" if self.alias and self.alias != self.name else ""
        return f"from {self.module} import {self.name}{suffix}"


@dataclass(frozen=True)
class Expression:
    """A module-level expression (an engine URL) and the imports that make it valid elsewhere."""

    source: str
    imports: tuple[ImportLine, ...]


@dataclass(frozen=True)
class AssignedCall:
    callee: str  # dotted callee as written ("create_async_engine", "sa.MetaData")
    positional: tuple[str, ...]  # dotted names of positional arguments ("" when not a name)
    url: ast.expr | None  # first positional argument or `url=` keyword
    url_text: str  # its source text


@dataclass
class ModuleSchemaFacts:
    module: str
    classes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # class -> bases as written
    calls: dict[str, AssignedCall] = field(default_factory=dict)  # module-level `name = call(...)`
    assigned: set[str] = field(default_factory=set)  # every module-level bound name
    # module-level names bound to another name: `from m import A as B`, `B = m.A` -> {"B": "A"}
    renames: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetadataTarget:
    """A metadata object: `from <module> import <owner>`, then `<expression>` is the MetaData."""

    key: str  # canonical name, e.g. "app.database.Base.metadata"
    module: str
    owner: str
    expression: str
    model_modules: tuple[str, ...]  # modules to import so every table is on the metadata


@dataclass(frozen=True)
class EngineDefinition:
    qualified: str
    is_async: bool
    url: Expression | None  # None when the URL cannot be rebuilt outside its module


def schema_module_facts(source: SourceFile) -> ModuleSchemaFacts:
    facts = ModuleSchemaFacts(source.module)
    lines = SourceLines(source.text)
    for node in source.ast.body:
        if isinstance(node, ast.ClassDef):
            facts.classes[node.name] = tuple(filter(None, (dotted_name(base) for base in node.bases)))
            facts.assigned.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.assigned.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [target.id for target in targets if isinstance(target, ast.Name)]
            facts.assigned.update(names)
            call = _assigned_call(node.value, lines)
            for name in names if call else ():
                facts.calls[name] = call  # type: ignore[assignment]
    facts.renames = dict(_renames(source.ast.body))
    return facts


def _renames(body: list[ast.stmt]) -> Iterable[tuple[str, str]]:
    """(local name, last part of what it names) for module-level bindings under another name,
    looking into `if` and `try` blocks as the project index does."""
    for node in top_level_statements(body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = alias.name.rpartition(".")[2]
                if alias.asname and alias.asname != name:
                    yield alias.asname, name
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            name = (dotted_name(node.value) or "").rpartition(".")[2]
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if name and isinstance(target, ast.Name) and target.id != name:
                    yield target.id, name


class SourceLines:
    """`ast.get_source_segment` for many nodes of one file, splitting its text once (not per node)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[bytes] | None = None

    def segment(self, node: ast.expr) -> str | None:
        if node.end_lineno is None or node.end_col_offset is None:
            return None
        if self._lines is None:
            # the lines as the parser counts them: \r\n, \r or \n end a line, a form feed does not
            self._lines = [line.encode() for line in io.StringIO(self.text, newline="").readlines()]
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return self._lines[first][node.col_offset : node.end_col_offset].decode()
        parts = [self._lines[first][node.col_offset :], *self._lines[first + 1 : last]]
        return b"".join([*parts, self._lines[last][: node.end_col_offset]]).decode()


def _assigned_call(value: ast.expr | None, lines: SourceLines) -> AssignedCall | None:
    if not isinstance(value, ast.Call):
        return None
    callee = dotted_name(value.func)
    if callee is None:
        return None
    url = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "url"), None)
    positional = tuple(dotted_name(arg) or "" for arg in value.args)
    url_text = (lines.segment(url) or ast.unparse(url)) if url is not None else ""
    return AssignedCall(callee, positional, url, url_text)


class Schema:
    """Project-wide schema facts, joined and resolved. Picklable.

    `names`: when given, only class bases and callees whose last part is one of them are resolved
    (the others cannot lead to a declarative base, a MetaData, a Table or an engine)."""

    def __init__(
        self, index: ProjectIndex, modules: list[ModuleSchemaFacts], names: frozenset[str] | None = None
    ) -> None:
        self.names = names
        self.roots: dict[str, str] = {}  # class or base qualified name -> its declarative root
        self.metadata_objects: dict[str, str] = {}  # MetaData() qualified name -> defining module
        self.tables: dict[str, set[str]] = {}  # metadata key -> modules defining Table(..., metadata)
        self.engines: dict[str, EngineDefinition] = {}
        self.class_modules: dict[str, str] = {}  # model class qualified name -> its module
        self._collect(index, modules)

    # -- building -----------------------------------------------------------------------------

    def _collect(self, index: ProjectIndex, modules: list[ModuleSchemaFacts]) -> None:
        for base in EXTERNAL_BASES:
            self.roots[base] = base
        class_bases: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        for facts in modules:
            for name, bases in facts.classes.items():
                resolved = tuple(
                    index.resolve(facts.module, base) for base in bases if self._may_matter(base)
                )
                class_bases[_qualify(facts.module, name)] = (facts.module, name, resolved)
            for name, call in facts.calls.items():
                if self._may_matter(call.callee):
                    self._take_call(index, facts, name, call)
        for qualified, (_, _, resolved) in class_bases.items():
            if DECLARATIVE_BASE_CLASSES.intersection(resolved):
                self.roots[qualified] = qualified
        changed = True
        while changed:  # subclasses of subclasses (abstract bases, mixins over Base)
            changed = False
            for qualified, (_, _, resolved) in class_bases.items():
                root = next((self.roots[base] for base in resolved if base in self.roots), None)
                if root is not None and qualified not in self.roots:
                    self.roots[qualified] = root
                    changed = True
        self.class_modules = {q: module for q, (module, _, _) in class_bases.items()}

    def _may_matter(self, dotted: str) -> bool:
        return self.names is None or dotted.rpartition(".")[2] in self.names

    def names_in_use(self, modules: Iterable[ModuleSchemaFacts]) -> set[str]:
        """The names a module must write to use this schema: the declarative roots' and the
        SQLAlchemy names', and whatever `modules` import or assign them as."""
        names = set(SCHEMA_NAMES) | {root.rpartition(".")[2] for root in self.roots}
        renames = [(local, name) for facts in modules for local, name in facts.renames.items()]
        grown = True
        while grown:
            found = {local for local, name in renames if name in names}
            grown = not found <= names
            names |= found
        return names

    def _take_call(
        self, index: ProjectIndex, facts: ModuleSchemaFacts, name: str, call: AssignedCall
    ) -> None:
        qualified = _qualify(facts.module, name)
        callee = index.resolve(facts.module, call.callee)
        if callee in BASE_FACTORIES:
            self.roots[qualified] = qualified
        elif callee in METADATA_CLASSES:
            self.metadata_objects[qualified] = facts.module
        elif callee in TABLE_CLASSES and len(call.positional) > 1 and call.positional[1]:
            metadata = index.resolve(facts.module, call.positional[1])
            self.tables.setdefault(metadata, set()).add(facts.module)
        elif callee in ENGINE_FACTORIES:
            url = (
                _portable_expression(index, facts, call.url, call.url_text) if call.url is not None else None
            )
            self.engines[qualified] = EngineDefinition(qualified, ENGINE_FACTORIES[callee], url)

    # -- questions ------------------------------------------------------------------------------

    def metadata_for(self, receiver: str) -> MetadataTarget | None:
        """The metadata a canonical receiver name (`app.db.Base.metadata`, `app.db.meta`) denotes."""
        if receiver in self.metadata_objects:
            module = self.metadata_objects[receiver]
            owner = receiver[len(module) + 1 :]
            tables = tuple(sorted(self.tables.get(receiver, set()) - {module}))
            return MetadataTarget(receiver, module, owner, owner, tables)
        owner_name, dot, attribute = receiver.rpartition(".")
        if not dot or attribute != "metadata" or owner_name not in self.roots:
            return None
        root = self.roots[owner_name]
        module, _, owner = root.rpartition(".")
        if root in EXTERNAL_BASES:
            module, owner = "sqlmodel", "SQLModel"
        models = {
            self.class_modules[q] for q, r in self.roots.items() if r == root and q in self.class_modules
        }
        key = f"{root}.metadata"
        return MetadataTarget(key, module, owner, f"{owner}.metadata", tuple(sorted(models - {module})))

    def engine(self, qualified: str | None) -> EngineDefinition | None:
        """The engine `qualified` names; failing that, the project's only engine."""
        if qualified and qualified in self.engines:
            return self.engines[qualified]
        if len(self.engines) == 1:
            return next(iter(self.engines.values()))
        return None


def collect_schema(project: Project, index: ProjectIndex) -> Schema:
    """The schema, from the modules that write a name it is made of (grown until no module read
    brings a new declarative class or rename), not from every module of the project."""
    read: dict[str, ModuleSchemaFacts] = {}
    names: set[str] = set()
    new_names = set(SCHEMA_NAMES)
    while True:
        names |= new_names
        files = [
            f for f in project.files_containing(*(n.encode() for n in new_names)) if f.relpath not in read
        ]
        read.update(
            (mapped.source.relpath, mapped.value) for mapped in project.map(schema_module_facts, files)
        )
        modules = [read[f.relpath] for f in project.files if f.relpath in read]
        schema = Schema(index, modules, frozenset(names))
        new_names = schema.names_in_use(modules) - names
        if not new_names:
            return schema


def _qualify(module: str, name: str) -> str:
    return f"{module}.{name}" if module else name


def _portable_expression(
    index: ProjectIndex, facts: ModuleSchemaFacts, node: ast.expr, text: str
) -> Expression | None:
    """`node` as source text valid in another module, with the imports it needs; None when it uses
    anything but module-level names (locals, lambdas, comprehensions)."""
    if any(isinstance(n, (ast.Lambda, ast.comprehension, ast.NamedExpr)) for n in walk_ast(node)):
        return None
    module_facts = index.modules.get(facts.module)
    imports: list[ImportLine] = []
    for name in sorted({n.id for n in walk_ast(node) if isinstance(n, ast.Name)}):
        if module_facts is not None and name in module_facts.imports:
            imports.append(_import_for(name, module_facts.imports[name]))
        elif name in facts.assigned:
            imports.append(ImportLine(facts.module, name))
        elif not hasattr(builtins, name):
            return None
    return Expression(text if "\n" not in text else ast.unparse(node), tuple(imports))


def _import_for(local: str, target: str) -> ImportLine:
    if target == local:
        return ImportLine(target)
    module, _, name = target.rpartition(".")
    return ImportLine(module, name, local) if module else ImportLine(target, None, None)
