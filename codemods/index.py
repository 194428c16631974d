"""Project-wide name resolution, from the stdlib AST (cheap) rather than LibCST metadata (costly).

`module_facts(source)` records, for one module, what each top-level name is bound to: an import,
an alias assignment (`get_session = get_db_session`), or a definition. `ProjectIndex` joins the
facts of many modules so a transform can ask "what does `database.session_scope` in module
`app.tasks` really name?" and follow imports, module aliases and re-exports to the definition.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from fixit_codemods.ast_walk import child_nodes, walk_ast
from fixit_codemods.sources import SourceFile

MAX_HOPS = 25


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute module named by `from <level dots><target> import ...` inside `module`."""
    if level == 0:
        return target or ""
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if target:
        parts.append(target)
    return ".".join(parts)


def dotted_name(node: ast.AST) -> str | None:
    """'a.b.c' for a Name/Attribute chain, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


@dataclass
class FunctionFacts:
    name: str
    qualified: str
    is_async: bool
    yields: int  # yield / yield from expressions in its own body (not nested functions)
    lineno: int
    decorators: tuple[str, ...]  # dotted decorator names as written (calls: their callee)

    @property
    def is_async_generator(self) -> bool:
        return self.is_async and self.yields > 0


@dataclass
class LocalScope:
    """Names a function binds in its own body by import or by a plain alias (`get = get_session`):
    `from .database import get_db_session_context` inside a task is how real code imports."""

    first_line: int
    last_line: int
    imports: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    shadowed: set[str] = field(default_factory=set)  # bound here by anything else (a parameter, a loop)

    def contains(self, line: int) -> bool:
        return self.first_line <= line <= self.last_line


@dataclass
class ModuleFacts:
    module: str
    relpath: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)  # local name -> absolute dotted target
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted expr as written
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    classes: set[str] = field(default_factory=set)
    # functions (at any depth) that import or alias names in their body, innermost last
    local_scopes: list[LocalScope] = field(default_factory=list)

    def scopes_at(self, line: int) -> list[LocalScope]:
        """The local scopes enclosing `line`, innermost first."""
        return sorted(
            (scope for scope in self.local_scopes if scope.contains(line)),
            key=lambda scope: scope.last_line - scope.first_line,
        )


def count_own_yields(function: ast.AST) -> int:
    """Yields that belong to `function` itself, not to functions or lambdas nested in it."""
    count = 0
    stack = list(child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            count += 1
        stack.extend(child_nodes(node))
    return count


def decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return dotted_name(target) or ""


def import_bindings(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> dict[str, str]:
    """Local name -> absolute dotted target, for one import statement of `module`."""
    bound: dict[str, str] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                bound[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                bound[top] = top
        return bound
    base = resolve_relative(module, is_package, node.level, node.module)
    for alias in node.names:
        if alias.name != "*":
            bound[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return bound


def _local_scopes(source: SourceFile) -> list[LocalScope]:
    """The scopes of the functions (at any depth) whose own body imports something."""
    scopes = []
    pending: list[ast.AST] = [source.ast]
    while pending:
        node = pending.pop()
        for child in child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in own_statements(child.body)):
                    scopes.append(_local_scope(child, source.module, source.is_package))
                pending.append(child)
            elif isinstance(child, (ast.stmt, ast.ExceptHandler, ast.match_case)):
                pending.append(child)
    return scopes


def _local_scope(
    function: ast.FunctionDef | ast.AsyncFunctionDef, module: str, is_package: bool
) -> LocalScope:
    scope = LocalScope(function.lineno, function.end_lineno or function.lineno)
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        scope.shadowed.add(argument.arg)
    for extra in (arguments.vararg, arguments.kwarg):
        if extra is not None:
            scope.shadowed.add(extra.arg)
    for node in own_statements(function.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            scope.imports.update(import_bindings(node, module, is_package))
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            value = dotted_name(node.value)
            if value and value != node.targets[0].id:
                scope.aliases[node.targets[0].id] = value
            else:
                scope.shadowed.add(node.targets[0].id)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.AnnAssign, ast.AugAssign)):
            scope.shadowed.update(n.id for n in walk_ast(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    scope.shadowed.update(
                        n.id for n in walk_ast(item.optional_vars) if isinstance(n, ast.Name)
                    )
    # a name both aliased and otherwise bound in one function is not one thing: forget the alias
    for name in scope.shadowed & set(scope.aliases):
        del scope.aliases[name]
    # `global name`: assignments here bind the module's name
    declared = global_names(function)
    scope.shadowed -= declared
    for name in declared:
        scope.aliases.pop(name, None)
    return scope


def global_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names the function declares `global`: its assignments to them bind the module's names."""
    return {
        name for node in own_statements(function.body) if isinstance(node, ast.Global) for name in node.names
    }


def own_statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements of a function body at any block depth, not those of nested functions or classes."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for child_body in ("body", "orelse", "finalbody"):
            yield from own_statements(getattr(node, child_body, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from own_statements(handler.body)
        for case in getattr(node, "cases", []) or []:
            yield from own_statements(case.body)


# An import statement on an indented line: the only modules worth walking for function-local scopes.
INDENTED_IMPORT = re.compile(rb"^[ \t]+(?:from[ \t]+[.\w]+[ \t]+)?import[ \t]", re.MULTILINE)


def module_facts(source: SourceFile) -> ModuleFacts:
    """Bindings of one module: top-level ones, and those of each function body that imports.
    Raises SourceError on a syntax error. Computed once per content and process (read only)."""
    return source.derived("module-facts", lambda: _module_facts(source))


def _module_facts(source: SourceFile) -> ModuleFacts:
    facts = ModuleFacts(source.module, source.relpath, source.is_package)
    if INDENTED_IMPORT.search(source.data):
        facts.local_scopes = _local_scopes(source)
    may_yield = b"yield" in source.data  # no function of a module that never spells it yields
    for node in top_level_statements(source.ast.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            facts.imports.update(import_bindings(node, source.module, source.is_package))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.functions[node.name] = FunctionFacts(
                name=node.name,
                qualified=f"{source.module}.{node.name}" if source.module else node.name,
                is_async=isinstance(node, ast.AsyncFunctionDef),
                yields=count_own_yields(node) if may_yield else 0,
                lineno=node.lineno,
                decorators=tuple(decorator_name(d) for d in node.decorator_list),
            )
        elif isinstance(node, ast.ClassDef):
            facts.classes.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = dotted_name(node.value)
            for target in targets:
                if isinstance(target, ast.Name) and value:
                    facts.aliases[target.id] = value
    _bind_siblings(source, facts)
    return facts


@functools.lru_cache(maxsize=4096)
def sibling_module(folder: Path, name: str) -> bool:
    """A module `name` stands in `folder` (a file, or a package folder)."""
    return (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()


def _bind_siblings(source: SourceFile, facts: ModuleFacts) -> None:
    """A module outside any package is run from its own folder (`uvicorn main:app` in
    `service/api`), which Python puts first on sys.path: `import database` there is the file
    beside it, `service/api/database.py`, whatever the name of a package elsewhere. Inside a
    package, a bare import is absolute and stays as written (a subpackage called `anthropic` does
    not hide the SDK)."""
    scopes = [facts.imports, *(scope.imports for scope in facts.local_scopes)]
    for imports in scopes:
        for local, target in list(imports.items()):
            imports[local] = sibling_target(source, target)


def sibling_target(source: SourceFile, target: str) -> str:
    """`target`, an absolute import written in `source`, as the module beside it that Python
    finds first when `source` is no package's module (see `_bind_siblings`)."""
    folder = source.path.parent
    prefix = source.module.rpartition(".")[0]
    if not prefix or source.is_package or target.startswith(f"{prefix}.") or (folder / "__init__.py").is_file():
        return target
    return f"{prefix}.{target}" if sibling_module(folder, target.split(".")[0]) else target


def top_level_statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Module-level statements, looking into `if`/`try` blocks (TYPE_CHECKING, optional imports)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from top_level_statements(node.body)
            yield from top_level_statements(node.orelse)
        elif isinstance(node, ast.Try):
            yield from top_level_statements(node.body)
            for handler in node.handlers:
                yield from top_level_statements(handler.body)
            yield from top_level_statements(node.orelse)


class ProjectIndex:
    """Facts of many modules, joined, to resolve names across the project."""

    def __init__(self, modules: Iterable[ModuleFacts]) -> None:
        self.modules: dict[str, ModuleFacts] = {facts.module: facts for facts in modules}
        # canonical names found, for these modules as they stand (see `canonical`)
        self._canonical: dict[str, str] = {}
        self._canonical_for: tuple[object, int] = (self.modules, 0)

    def resolve(self, module: str, name: str, line: int | None = None) -> str:
        """The canonical qualified name of `name` (possibly dotted) as seen from `module`, at `line`
        when given (then an import or alias in an enclosing function's body counts first).

        Names not bound in `module` resolve to themselves (builtins, or unknown).
        """
        head, _, rest = name.partition(".")
        facts = self.modules.get(module)
        local = self._local_binding(facts, head, line) if facts is not None and line is not None else None
        if local is not None:
            qualified = local
        elif facts is None:
            qualified = name
        elif head in facts.imports:
            qualified = facts.imports[head]
        elif head in facts.aliases and facts.aliases[head] != head:
            qualified = self.resolve(module, facts.aliases[head])
        elif head in facts.functions or head in facts.classes:
            qualified = f"{module}.{head}" if module else head
        else:
            qualified = head
        if rest:
            qualified = f"{qualified}.{rest}"
        return self.canonical(qualified)

    def _local_binding(self, facts: ModuleFacts, name: str, line: int) -> str | None:
        for scope in facts.scopes_at(line):
            if name in scope.imports:
                return scope.imports[name]
            if name in scope.aliases:
                value = scope.aliases[name]
                head, _, rest = value.partition(".")
                if head in scope.imports:
                    return f"{scope.imports[head]}.{rest}" if rest else scope.imports[head]
                return self.resolve(facts.module, value)
            if name in scope.shadowed:
                return f"<local>.{name}"  # a parameter or variable: not a project-level name
        return None

    def canonical(self, qualified: str) -> str:
        """Follow re-exports and aliases until the name where the object is defined. Remembered: the
        answer depends on the modules alone: another `modules`, or a new `generation` of them, starts
        afresh (a module read on demand is the one it would have been read as at any time)."""
        modules, generation = self.modules, getattr(self.modules, "generation", 0)
        if modules is not self._canonical_for[0] or generation != self._canonical_for[1]:
            self._canonical.clear()  # other modules, or "" stands for another script
            self._canonical_for = (modules, generation)
        found = self._canonical.get(qualified)
        if found is None:
            found = self._canonical[qualified] = self._follow(qualified)
        return found

    def _follow(self, qualified: str) -> str:
        seen: set[str] = set()
        for _ in range(MAX_HOPS):
            if qualified in seen:
                break
            seen.add(qualified)
            module, attribute = self.split_module(qualified)
            if module is None or not attribute:
                break
            facts = self.modules[module]
            if facts.module != module:
                # a rooted name (`database` for `service/api/database.py`): the file's own name
                qualified = f"{facts.module}.{attribute}"
                continue
            head, _, rest = attribute.partition(".")
            if head in facts.functions or head in facts.classes:
                break
            if head in facts.imports:
                target = facts.imports[head]
            elif head in facts.aliases and facts.aliases[head] != head:
                target = self.resolve(module, facts.aliases[head])
            else:
                break
            qualified = f"{target}.{rest}" if rest else target
        return qualified

    def split_module(self, qualified: str) -> tuple[str | None, str]:
        """('pkg.mod', 'attr.more') for the longest prefix of `qualified` that is a known module."""
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            candidate = ".".join(parts[:cut])
            if candidate in self.modules:
                return candidate, ".".join(parts[cut:])
        return None, qualified

    def function(self, qualified: str) -> FunctionFacts | None:
        module, attribute = self.split_module(self.canonical(qualified))
        if module is None or "." in attribute:
            return None
        return self.modules[module].functions.get(attribute)

    def is_project_name(self, qualified: str) -> bool:
        return self.split_module(qualified)[0] is not None
