"""When does a function run? At application startup (lifespan, startup handler, import time), per
request (route, dependency, middleware), from a command line, or in tests — found by following
references to it through the project (stdlib AST plus the project index)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Iterable

from fixit_codemods.ast_walk import child_nodes
from fixit_codemods.index import ProjectIndex, dotted_name, resolve_relative
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile

STARTUP, REQUEST, CLI, TEST, CONDITIONAL, LOOP = "startup", "request", "cli", "test", "conditional", "loop"
ROUTE_DECORATORS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "trace",
        "api_route",
        "route",
        "websocket",
        "middleware",
        "exception_handler",
    }
)
APPLICATION_CLASSES = frozenset({"FastAPI", "Starlette"})
CLI_DECORATORS = frozenset({"command", "callback", "group"})
TEST_PARTS = frozenset({"tests", "test", "testing"})
SCRIPT_PARTS = frozenset({"scripts", "script", "bin", "commands", "management", "cli"})
MAX_DEPTH = 8

# reference kinds
CALL, STATEMENT_CALL, DEPENDS, LIFESPAN, HANDLER, OTHER = (
    "call",
    "statement",
    "depends",
    "lifespan",
    "handler",
    "other",
)
# guards: what stands between a module or function body and a reference
NO_GUARD, CONDITION_GUARD, LOOP_GUARD, MAIN_GUARD = "", "condition", "loop", "main"


def file_kind(relpath: str) -> str:
    path = PurePosixPath(relpath)
    folders = set(path.parts[:-1])
    if folders & TEST_PARTS or path.name == "conftest.py" or path.name.startswith("test_"):
        return TEST
    if path.name.endswith("_test.py"):
        return TEST
    return CLI if folders & SCRIPT_PARTS else ""


@dataclass(frozen=True)
class Reference:
    dotted: str  # as written
    scope: str  # qualified name of the enclosing function, "" at module level
    kind: str
    guard: str
    line: int
    top_level: bool = False  # a statement of its own directly in the function body


@dataclass
class FunctionInfo:
    qualified: str
    is_async: bool
    decorators: tuple[tuple[str, str], ...]  # (dotted callee, first string argument or "")
    local_imports: dict[str, str]
    line: int
    body_size: int = 0  # statements in the body, not counting a docstring
    takes_app: bool = False  # first parameter annotated as the ASGI application (FastAPI, Starlette)


@dataclass
class FileUsage:
    module: str
    is_package: bool
    relpath: str
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # absolute targets of every import in the file


def is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = {dotted_name(test.left), dotted_name(test.comparators[0])}
    constants = [n.value for n in (test.left, test.comparators[0]) if isinstance(n, ast.Constant)]
    return "__name__" in sides and constants == ["__main__"]


class _UsageWalker(ast.NodeVisitor):
    """Records functions, imports and every dotted reference with its scope, kind and guard."""

    def __init__(self, source: SourceFile) -> None:
        self.usage = FileUsage(source.module, source.is_package, source.relpath)
        self.scope: list[str] = []  # qualified names: classes and functions
        self.function: FunctionInfo | None = None
        self.guard = NO_GUARD
        self.body_statements: set[int] = set()  # ids of the current function's own statements

    def qualify(self, name: str) -> str:
        return ".".join(filter(None, [self.usage.module, *self.scope, name]))

    def _guarded(self, guard: str, nodes: Iterable[ast.AST]) -> None:
        outer = self.guard
        self.guard = outer if outer in (MAIN_GUARD, LOOP_GUARD) and guard == CONDITION_GUARD else guard
        for node in nodes:
            self.visit(node)
        self.guard = outer

    # -- definitions ------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.scope.append(node.name)
        for statement in node.body:
            self.visit(statement)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        info = FunctionInfo(
            self.qualify(node.name),
            isinstance(node, ast.AsyncFunctionDef),
            tuple(_decorator(d) for d in node.decorator_list),
            {},
            node.lineno,
            len(node.body) - (1 if ast.get_docstring(node, clean=False) is not None else 0),
            _takes_app(node.args),
        )
        self.usage.functions[info.qualified] = info
        outer = self.function, self.guard, self.body_statements
        self.function, self.guard, self.body_statements = info, NO_GUARD, {id(s) for s in node.body}
        self.scope.append(node.name)
        for child in [*node.args.defaults, *node.args.kw_defaults, *node.body]:
            if child is not None:
                self.visit(child)
        self.scope.pop()
        self.function, self.guard, self.body_statements = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            self._bind_import(local, alias.name if alias.asname else local)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = resolve_relative(self.usage.module, self.usage.is_package, node.level, node.module)
        for alias in node.names:
            if alias.name != "*":
                self._bind_import(alias.asname or alias.name, f"{base}.{alias.name}" if base else alias.name)

    def _bind_import(self, local: str, target: str) -> None:
        self.usage.imports.append(target)
        if self.function is not None:
            self.function.local_imports[local] = target

    # -- guards -----------------------------------------------------------------------------

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        at_module_level = self.function is None and not self.scope
        guard = MAIN_GUARD if at_module_level and is_main_guard(node.test) else CONDITION_GUARD
        self._guarded(guard, node.body)
        self._guarded(CONDITION_GUARD, node.orelse)

    def visit_While(self, node: ast.While) -> None:
        self._guarded(CONDITION_GUARD, [node.test, *node.body, *node.orelse])

    def visit_Match(self, node: ast.AST) -> None:
        self._guarded(CONDITION_GUARD, child_nodes(node))

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._guarded(CONDITION_GUARD, [node.test, node.body, node.orelse])

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._guarded(LOOP_GUARD, [*node.body, *node.orelse])

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self._guarded(CONDITION_GUARD, node.body)

    # -- references -------------------------------------------------------------------------

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(value, ast.Call) and dotted_name(value.func):
            top_level = id(node) in self.body_statements
            self.record(dotted_name(value.func), STATEMENT_CALL, value, top_level)  # type: ignore[arg-type]
            self.visit_call_arguments(value)
        else:
            self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        callee = dotted_name(node.func)
        if callee is None:
            self.visit(node.func)
        else:
            self.record(callee, CALL, node)
        self.visit_call_arguments(node)

    def visit_call_arguments(self, node: ast.Call) -> None:
        callee = (dotted_name(node.func) or "").rpartition(".")[2]
        registers_startup = (
            callee == "add_event_handler"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "startup"
        )
        for position, argument in enumerate(node.args):
            if callee in ("Depends", "Security"):
                self.reference_or_visit(argument, DEPENDS)
            elif registers_startup and position == 1:
                self.reference_or_visit(argument, HANDLER)
            else:
                self.visit(argument)
        for keyword in node.keywords:
            if keyword.arg == "lifespan":
                self.reference_or_visit(keyword.value, LIFESPAN)
            elif keyword.arg == "on_startup" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                for element in keyword.value.elts:
                    self.reference_or_visit(element, HANDLER)
            elif keyword.arg == "dependency" and callee in ("Depends", "Security"):
                self.reference_or_visit(keyword.value, DEPENDS)
            else:
                self.visit(keyword.value)

    def reference_or_visit(self, node: ast.expr, kind: str) -> None:
        name = dotted_name(node)
        if name is None:
            self.visit(node)
        else:
            self.record(name, kind, node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.record(node.id, OTHER, node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = dotted_name(node)
        if name is None or not isinstance(node.ctx, ast.Load):
            self.generic_visit(node)
        else:
            self.record(name, OTHER, node)

    def record(self, dotted: str, kind: str, node: ast.AST, top_level: bool = False) -> None:
        scope = self.function.qualified if self.function else ""
        line = getattr(node, "lineno", 0)
        self.usage.references.append(Reference(dotted, scope, kind, self.guard, line, top_level))


def _takes_app(arguments: ast.arguments) -> bool:
    """A lifespan's signature: `(app: FastAPI)`; the name it is registered under may say nothing."""
    positional = [*arguments.posonlyargs, *arguments.args]
    if not positional or positional[0].annotation is None:
        return False
    annotation = dotted_name(positional[0].annotation) or ""
    return annotation.rpartition(".")[2] in APPLICATION_CLASSES


def _decorator(node: ast.expr) -> tuple[str, str]:
    target = node.func if isinstance(node, ast.Call) else node
    argument = ""
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        argument = str(node.args[0].value)
    return dotted_name(target) or "", argument


def file_usage(source: SourceFile) -> FileUsage:
    walker = _UsageWalker(source)
    walker.visit(source.ast)
    return walker.usage


@dataclass(frozen=True)
class Caller:
    """One reference to a function: who refers to it, how, and under what guard."""

    relpath: str
    reference: Reference


ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")


def files_naming(project: Project, names: set[str]) -> list[SourceFile]:
    """Files that can refer to a function called one of `names`: a reference (call, import,
    decorator, `Depends(...)`) holds the name as a whole word. A helper called `main` or `run` is a
    substring of most files, and each file taken here is parsed; as a word it is in few."""
    if not all(ASCII_WORD.fullmatch(name) for name in names):
        return project.files_containing(*(name.encode() for name in names))
    word = re.compile(rb"\b(?:" + b"|".join(re.escape(name.encode()) for name in sorted(names)) + rb")\b")
    return [source for source in project.files if word.search(source.data)]


class CallGraph:
    """References to the functions that hold `create_all`, and to their callers, transitively."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.usages: dict[str, FileUsage] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.callers: dict[str, list[Caller]] = {}
        self.importers: dict[str, set[str]] = {}  # function -> relpaths importing it
        self.function_files: dict[str, str] = {}  # function -> relpath defining it

    def build(self, project: Project, functions: Iterable[str]) -> None:
        wanted = set(functions)
        searched: set[str] = set()
        for _ in range(MAX_DEPTH):
            names = {qualified.rpartition(".")[2] for qualified in wanted} - searched
            if not names:
                break
            searched |= names
            files = [f for f in files_naming(project, names) if f.relpath not in self.usages]
            for mapped in project.map(file_usage, files):
                self._take(mapped.value)
            wanted = {
                c.reference.scope for f in list(wanted) for c in self.callers.get(f, []) if c.reference.scope
            }

    def _take(self, usage: FileUsage) -> None:
        self.usages[usage.relpath] = usage
        self.functions.update(usage.functions)
        self.function_files.update(dict.fromkeys(usage.functions, usage.relpath))
        for reference in usage.references:
            target = self.resolve(usage, reference)
            self.callers.setdefault(target, []).append(Caller(usage.relpath, reference))
        for target in usage.imports:
            self.importers.setdefault(self.index.canonical(target), set()).add(usage.relpath)

    def resolve(self, usage: FileUsage, reference: Reference) -> str:
        if usage.module:
            # the semantic model's name layer: function-local imports count at their lines
            return self.index.resolve(usage.module, reference.dotted, reference.line)
        # a script outside any package has no module name to look its facts up by
        head, dot, rest = reference.dotted.partition(".")
        function = self.functions.get(reference.scope)
        if function is not None and head in function.local_imports:
            return self.index.canonical(function.local_imports[head] + dot + rest)
        return reference.dotted

    def contexts(self, qualified: str, relpath: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """Where `qualified` (defined in `relpath`) runs: a set of STARTUP, REQUEST, CLI, TEST,
        CONDITIONAL (startup, behind a condition) and LOOP (startup, once per loop iteration)."""
        if qualified in seen:
            return set()
        seen = seen | {qualified}
        found = own_contexts(self.functions.get(qualified), relpath)
        for caller in self.callers.get(qualified, []):
            found |= self._caller_contexts(caller, seen)
        return found

    def _caller_contexts(self, caller: Caller, seen: frozenset[str]) -> set[str]:
        reference = caller.reference
        kind_of_file = file_kind(caller.relpath)
        if reference.kind == DEPENDS:
            return {REQUEST}
        if reference.kind in (LIFESPAN, HANDLER):
            found = {STARTUP}
        elif reference.kind not in (CALL, STATEMENT_CALL):
            return set()
        elif reference.scope:
            found = self.contexts(reference.scope, caller.relpath, seen)
        elif reference.guard == MAIN_GUARD or kind_of_file:
            return {kind_of_file or CLI}
        else:
            found = {STARTUP}  # a call at import time
        return guarded(found, reference.guard)


def guarded(contexts: set[str], guard: str) -> set[str]:
    """Startup behind a condition is a deliberate bootstrap; in a loop, a per-tenant one."""
    if STARTUP not in contexts or guard not in (CONDITION_GUARD, LOOP_GUARD):
        return contexts
    return (contexts - {STARTUP}) | {CONDITIONAL if guard == CONDITION_GUARD else LOOP}


def own_contexts(function: FunctionInfo | None, relpath: str) -> set[str]:
    found = {file_kind(relpath)} - {""}
    if function is None:
        return found
    simple_name = function.qualified.rpartition(".")[2]
    for callee, argument in function.decorators:
        last = callee.rpartition(".")[2]
        if last == "on_event" and argument == "startup":
            found.add(STARTUP)
        elif last in ROUTE_DECORATORS:
            found.add(REQUEST)
        elif last in CLI_DECORATORS or callee.startswith("click."):
            found.add(CLI)
        elif last == "fixture":
            found.add(TEST)
        elif last == "asynccontextmanager" and ("lifespan" in simple_name or function.takes_app):
            found.add(STARTUP)
    return found
