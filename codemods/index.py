"""Project-wide name resolution, from the stdlib AST (cheap) rather than LibCST metadata (costly).

`module_facts(source)` records, for one module, what each top-level name is bound to: an import,
an alias assignment (`get_session = get_db_session`), or a definition. `ProjectIndex` joins the
facts of many modules so a transform can ask "what does `database.session_scope` in module
`app.tasks` really name?" and follow imports, module aliases and re-exports to the definition.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable

from codemods.sources import SourceFile

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
class ModuleFacts:
    module: str
    relpath: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)  # local name -> absolute dotted target
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted expr as written
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    classes: set[str] = field(default_factory=set)


def count_own_yields(function: ast.AST) -> int:
    """Yields that belong to `function` itself, not to functions or lambdas nested in it."""
    count = 0
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            count += 1
        stack.extend(ast.iter_child_nodes(node))
    return count


def decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return dotted_name(target) or ""


def module_facts(source: SourceFile) -> ModuleFacts:
    """Top-level bindings of one module. Raises SourceError on a syntax error."""
    facts = ModuleFacts(source.module, source.relpath, source.is_package)
    for node in top_level_statements(source.ast.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    facts.imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    facts.imports[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = resolve_relative(source.module, source.is_package, node.level, node.module)
            for alias in node.names:
                if alias.name != "*":
                    target = f"{base}.{alias.name}" if base else alias.name
                    facts.imports[alias.asname or alias.name] = target
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.functions[node.name] = FunctionFacts(
                name=node.name,
                qualified=f"{source.module}.{node.name}" if source.module else node.name,
                is_async=isinstance(node, ast.AsyncFunctionDef),
                yields=count_own_yields(node),
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
    return facts


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

    def resolve(self, module: str, name: str) -> str:
        """The canonical qualified name of `name` (possibly dotted) as seen from `module`.

        Names not bound in `module` resolve to themselves (builtins, or unknown).
        """
        head, _, rest = name.partition(".")
        facts = self.modules.get(module)
        if facts is None:
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

    def canonical(self, qualified: str) -> str:
        """Follow re-exports and aliases until the name where the object is defined."""
        seen: set[str] = set()
        for _ in range(MAX_HOPS):
            if qualified in seen:
                break
            seen.add(qualified)
            module, attribute = self.split_module(qualified)
            if module is None or not attribute:
                break
            facts = self.modules[module]
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
