"""Where the project's schema lives, from the stdlib AST and the project index: declarative bases,
`MetaData()` objects, the modules that define models on them, and the engines with their URLs."""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

from codemods.index import ProjectIndex, dotted_name
from codemods.project import Project
from codemods.sources import SourceFile

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
SCHEMA_TRIGGERS = (
    b"class ",
    b"MetaData",
    b"Table",
    b"declarative_base",
    b"create_engine",
    b"create_async_engine",
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
            call = _assigned_call(node.value, source.text)
            for name in names if call else ():
                facts.calls[name] = call  # type: ignore[assignment]
    return facts


def _assigned_call(value: ast.expr | None, text: str) -> AssignedCall | None:
    if not isinstance(value, ast.Call):
        return None
    callee = dotted_name(value.func)
    if callee is None:
        return None
    url = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "url"), None)
    positional = tuple(dotted_name(arg) or "" for arg in value.args)
    url_text = (ast.get_source_segment(text, url) or ast.unparse(url)) if url is not None else ""
    return AssignedCall(callee, positional, url, url_text)


class Schema:
    """Project-wide schema facts, joined and resolved. Picklable."""

    def __init__(self, index: ProjectIndex, modules: list[ModuleSchemaFacts]) -> None:
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
                resolved = tuple(index.resolve(facts.module, base) for base in bases)
                class_bases[_qualify(facts.module, name)] = (facts.module, name, resolved)
            for name, call in facts.calls.items():
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
    files = project.files_containing(*SCHEMA_TRIGGERS)
    return Schema(index, [mapped.value for mapped in project.map(schema_module_facts, files)])


def _qualify(module: str, name: str) -> str:
    return f"{module}.{name}" if module else name


def _portable_expression(
    index: ProjectIndex, facts: ModuleSchemaFacts, node: ast.expr, text: str
) -> Expression | None:
    """`node` as source text valid in another module, with the imports it needs; None when it uses
    anything but module-level names (locals, lambdas, comprehensions)."""
    if any(isinstance(n, (ast.Lambda, ast.comprehension, ast.NamedExpr)) for n in ast.walk(node)):
        return None
    module_facts = index.modules.get(facts.module)
    imports: list[ImportLine] = []
    for name in sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)}):
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
