"""`async-with`: a session pulled out of a unit-of-work generator becomes `async with`.

The defect: `db = await anext(get_db_session_context())`, or `async for db in get_db(): ... break`
(or `return`), takes one item out of an async generator and never resumes it, so the generator's
code after `yield` (commit, rollback, close) never runs. The repair opens the session with
`async with factory() as db:` around the rest of the block (or in place of the loop) and makes the
generator function an async context manager (`@contextlib.asynccontextmanager`), or, when the
function is also a FastAPI dependency, gives its callers a context-manager twin.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import pairwise
from typing import ClassVar

import libcst as cst
from fixit_codemods.api import Action, FileRewrite, Option, Safety, Site, Transform
from fixit_codemods.ast_walk import child_nodes, walk_ast
from fixit_codemods.codegen import code_for_node
from fixit_codemods.cst_helpers import ImportSpec, add_imports, dotted, is_expression, standalone
from fixit_codemods.index import (
    FunctionFacts,
    ModuleFacts,
    ProjectIndex,
    count_own_yields,
    decorator_name,
    dotted_name,
    global_names,
    module_facts,
    resolve_relative,
)
from fixit_codemods.lines import lines_naming, visit_near
from fixit_codemods.model import SemanticModel
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile
from fixit_codemods.walk import walk
from libcst.metadata import CodeRange

DECORATE = "decorate"  # the definition gets @asynccontextmanager; callers keep its name
TWIN = "twin"  # the definition stays (it is used as a generator too); callers use `f_context`
ALREADY = "already"  # an @asynccontextmanager already (`anext` on it is a TypeError): callers only
DEPENDENCY_MARKERS = frozenset({"Depends", "Security"})
ASYNCCONTEXTMANAGER = "contextlib.asynccontextmanager"
NOT_CREATED_HERE = "pulls from an async iterator that is not created here by a generator call"

Ancestors = tuple[cst.CSTNode, ...]


class LeaveAlone(Exception):
    """Why a site or a definition cannot be repaired safely (the message is shown to the user)."""


# ---------------------------------------------------------------------------------------------
# Definitions: is this generator function a unit of work? (stdlib ast, main process)
# ---------------------------------------------------------------------------------------------


def top_level_definition(tree: ast.Module, name: str) -> ast.AsyncFunctionDef | None:
    """The unconditional top-level `async def name` that importers see: the module's last binding
    of the name (an earlier `name = other` is replaced by it); None when absent or rebound after."""
    bindings = [node for node in tree.body if name in _names_bound_by(node)]
    if bindings and isinstance(bindings[-1], ast.AsyncFunctionDef):
        return bindings[-1]
    return None


def _names_bound_by(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {target.id for target in targets if isinstance(target, ast.Name)}


class Skip(LeaveAlone):
    """Not the defect this transform repairs (a stream, a third-party generator): no review needed."""


def check_unit_of_work(function: ast.AsyncFunctionDef) -> None:
    """Raise unless `function` hands out one resource and cleans it up after its single `yield`."""
    if function.decorator_list:
        raise Skip(f"`{function.name}` is decorated: not a plain generator function")
    if count_own_yields(function) != 1:
        raise Skip(f"`{function.name}` yields more than once: a real async iterator, not a unit of work")
    path = _path_to_yield(function)
    if any(isinstance(node, (ast.For, ast.AsyncFor, ast.While)) for node in path):
        raise Skip(f"`{function.name}` yields inside a loop: a real async iterator, not a unit of work")
    for parent, child in pairwise(path):
        if isinstance(parent, ast.Try) and child in parent.body and not _handlers_reraise(parent):
            raise LeaveAlone(
                f"`{function.name}` catches errors around its `yield` without re-raising them: "
                "as a context manager it would silently swallow the caller's exceptions"
            )


def _path_to_yield(function: ast.AST) -> list[ast.AST]:
    """The nodes from `function` down to its own `yield` (not one of a nested function)."""
    stack: list[tuple[ast.AST, list[ast.AST]]] = [(function, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return path + [node]
        for child in child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append((child, path + [node]))
    return []


def _handlers_reraise(node: ast.Try) -> bool:
    return all(handler.body and isinstance(handler.body[-1], ast.Raise) for handler in node.handlers)


def runs_code_after_yield(function: ast.AsyncFunctionDef) -> bool:
    """Does resuming (or closing) the generator after its `yield` run anything: a statement after
    it, a `finally`/`except`/`else` of a `try` around it, or the exit of a `with` around it?"""
    path = _path_to_yield(function)
    for parent, child in pairwise(path):
        if isinstance(parent, (ast.With, ast.AsyncWith)):
            return True
        if isinstance(parent, ast.Try) and child in parent.body:
            return True  # handlers, else or finally: a bare `try` does not parse
        for block in (getattr(parent, "body", None), getattr(parent, "orelse", None)):
            if isinstance(block, list) and child in block and block[-1] is not child:
                return True
    return False


def closes_what_it_yields(function: ast.AsyncFunctionDef) -> bool:
    """Does the generator close the session it yields (`await session.close()`, or a `with`
    around the `yield` that opened it)?"""
    path = _path_to_yield(function)
    value = getattr(path[-1], "value", None) if path else None
    if not isinstance(value, ast.Name):
        return False
    for node in path:
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == value.id for item in node.items
        ):
            return True
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "close"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == value.id
        for node in walk_ast(function)
    )


def takes_dependencies(function: ast.AsyncFunctionDef) -> bool:
    """Does a parameter default to `Depends(...)`: FastAPI fills it, a plain call passes the marker."""
    arguments = function.args
    for default in [*arguments.defaults, *arguments.kw_defaults]:
        if isinstance(default, ast.Call):
            callee = dotted_name(default.func) or ""
            if callee.rsplit(".", 1)[-1] in DEPENDENCY_MARKERS:
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Loops: `async for db in factory(): ... break` (stdlib ast)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoopShape:
    """How `async for target in factory(...)` uses its generator, and what `async with` needs.

    The defect: a body that leaves with `break` or `return` never resumes the generator, so the
    code after its `yield` (commit, rollback, close) never runs. A body that falls through resumes
    it and the loop ends when the generator does: correct code, unless the loop sits in a generator
    that yields inside it (a dependency wrapping another), where an error thrown in at that `yield`
    leaves the loop without reaching the wrapped generator's rollback.
    """

    problem: str | None = None  # why the loop cannot become `async with` (None: it can)
    quiet: bool = False  # not the defect: the loop resumes its generator
    breaks: tuple[tuple[int, int], ...] = ()  # (line, byte column) of each `break` the rewrite drops


@dataclass
class _Exits:
    breaks: list[ast.Break] = field(default_factory=list)
    continues: list[ast.Continue] = field(default_factory=list)
    returns: list[ast.Return] = field(default_factory=list)
    yields: int = 0


def _own_exits(statements: list[ast.stmt]) -> _Exits:
    """The `break`/`continue` that target the loop whose body is `statements`, and its returns and
    yields (not those of nested functions; a nested loop's own `break` is its own)."""
    exits = _Exits()
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            inner = _own_exits(node.body)  # its `break`/`continue` are its own
            exits.returns += inner.returns
            exits.yields += inner.yields
            stack.extend(node.orelse)  # `else:` runs in our body: its `break` is ours
            stack.append(node.iter if not isinstance(node, ast.While) else node.test)
            continue
        if isinstance(node, ast.Break):
            exits.breaks.append(node)
        elif isinstance(node, ast.Continue):
            exits.continues.append(node)
        elif isinstance(node, ast.Return):
            exits.returns.append(node)
        elif isinstance(node, (ast.Yield, ast.YieldFrom)):
            exits.yields += 1
        stack.extend(child_nodes(node))
    return exits


def _tail_breaks(statements: list[ast.stmt]) -> Iterator[ast.Break]:
    """The `break`s after which the body would end anyway: dropping them changes nothing once the
    body runs once inside `async with` (the last statement, or the last of each branch of a final
    `if`/`match`/`with`/`try`)."""
    last = statements[-1]
    if isinstance(last, ast.Break):
        yield last
    elif isinstance(last, ast.If):
        yield from _tail_breaks(last.body)
        if last.orelse:
            yield from _tail_breaks(last.orelse)
    elif isinstance(last, (ast.With, ast.AsyncWith)):
        yield from _tail_breaks(last.body)
    elif isinstance(last, ast.Match):
        for case in last.cases:
            yield from _tail_breaks(case.body)
    elif isinstance(last, ast.Try) or type(last).__name__ == "TryStar":
        yield from _tail_breaks(last.orelse or last.body)  # type: ignore[attr-defined]
        for handler in last.handlers:  # type: ignore[attr-defined]
            yield from _tail_breaks(handler.body)


def loop_shape(loop: ast.AsyncFor, function: ast.AST | None) -> LoopShape:
    """Whether the loop is the defect, and whether `async with` can replace it as it is."""
    exits = _own_exits(loop.body)
    leaves_early = bool(exits.breaks or exits.returns)
    wraps = (
        isinstance(function, ast.AsyncFunctionDef) and not function.decorator_list and exits.yields > 0
    )
    if not leaves_early and not wraps:
        return LoopShape("the loop resumes its generator, which then finishes", quiet=True)
    if function is None:
        return LoopShape("the loop is not inside a function")
    if exits.continues:
        return LoopShape("`continue` resumes the generator: the loop is not one unit of work")
    if loop.orelse:
        return LoopShape("the loop has an `else:` clause")
    if not isinstance(loop.target, ast.Name):
        return LoopShape("the loop target is not a single name")
    tails = set(_tail_breaks(loop.body))
    if any(node not in tails for node in exits.breaks):
        return LoopShape("a `break` before the end of the loop body: `async with` has no equivalent")
    problem = _target_problem(loop, function)
    if problem:
        return LoopShape(problem)
    return LoopShape(breaks=tuple(sorted((node.lineno, node.col_offset) for node in exits.breaks)))


def _target_problem(loop: ast.AsyncFor, function: ast.AST) -> str | None:
    """The session must stay inside the loop body: `async with` closes it at the end. A use
    after the loop that reads another binding of the name (a later loop or assignment) is fine."""
    name = loop.target.id  # type: ignore[attr-defined]
    inside = {id(node) for statement in loop.body for node in walk_ast(statement)}
    parents = {child: node for node in walk_ast(function) for child in child_nodes(node)}
    uses = [node for node in walk_ast(function) if isinstance(node, ast.Name) and node.id == name]
    end = loop.end_lineno or loop.lineno
    rebound = [node.lineno for node in uses if not isinstance(node.ctx, ast.Load) and node.lineno > end]
    enclosing_loops = []
    parent = parents.get(loop)
    while parent is not None:
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)):
            enclosing_loops.append({id(node) for node in walk_ast(parent)})
        parent = parents.get(parent)
    for node in uses:
        if node is loop.target or not isinstance(node.ctx, ast.Load):
            continue
        if id(node) in inside:
            if _ast_escapes(node, parents, global_names(function)):
                return f"`{name}` escapes the loop (returned or stored): it would be used after closing"
            continue
        after = node.lineno > end and not any(end < line <= node.lineno for line in rebound)
        again = node.lineno < loop.lineno and any(id(node) in nodes for nodes in enclosing_loops)
        if after or again:
            return f"`{name}` is also used outside the loop: it would be used after closing"
    return None


def _ast_escapes(node: ast.expr, parents: dict[ast.AST, ast.AST], kept: set[str]) -> bool:
    """Is the value returned or stored in an attribute, item or one of the `kept` (global) names,
    directly or as an argument of the call whose result is stored (kept past the block)?"""
    child: ast.AST = node
    parent = parents.get(child)
    while parent is not None:
        if isinstance(parent, ast.Await):
            return False
        if isinstance(parent, ast.Return):
            return True
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is child:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return any(not isinstance(target, ast.Name) or target.id in kept for target in targets)
        if isinstance(parent, ast.stmt) or isinstance(parent, ast.Attribute):
            return False
        child, parent = parent, parents.get(parent)
    return False


# ---------------------------------------------------------------------------------------------
# References: every use of a generator function in the project (stdlib ast, main process)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A name in code that may refer to a generator function, and what the code does with it."""

    module: str
    dotted: str
    line: int
    column: int  # in characters, as LibCST counts
    kind: str  # "call" | "dependency" | "alias" | "other"


def find_references(names: frozenset[str], source: SourceFile) -> list[Reference]:
    """Loads of `names` (bare or as the last part of `a.b.name`) in one module."""
    tree = source.ast
    lines = source.text.splitlines()
    parents = {child: node for node in walk_ast(tree) for child in child_nodes(node)}
    found: list[Reference] = []
    for node in walk_ast(tree):
        if not isinstance(node, (ast.Name, ast.Attribute)) or not isinstance(node.ctx, ast.Load):
            continue
        name = dotted_name(node)
        if name is None or name.rsplit(".", 1)[-1] not in names:
            continue
        if isinstance(parents.get(node), ast.Attribute):
            continue  # `f.cache` style access: reported by the enclosing attribute
        column = len(lines[node.lineno - 1].encode()[: node.col_offset].decode(errors="replace"))
        kind = _reference_kind(node, parents)
        found.append(Reference(source.module, name, node.lineno, column, kind))
    return found


def _reference_kind(node: ast.expr, parents: dict[ast.AST, ast.AST]) -> str:
    parent = parents.get(node)
    if isinstance(parent, ast.keyword) and parent.arg == "dependency":
        parent = parents.get(parent)
        node = parent.args[0] if isinstance(parent, ast.Call) and parent.args else node
    if isinstance(parent, ast.Call):
        if parent.func is node:
            return "call"
        callee = dotted_name(parent.func) or ""
        if callee.rsplit(".", 1)[-1] in DEPENDENCY_MARKERS:
            return "dependency"
    if (
        isinstance(parent, ast.Assign)
        and parent.value is node
        and isinstance(parents.get(parent), ast.Module)
    ):
        return "alias"
    return "other"


# ---------------------------------------------------------------------------------------------
# Call sites: `x = await anext(ctx)` and friends (LibCST, worker processes)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRecord:
    """What the plan needs to know about one `anext` site (picklable)."""

    line: int
    column: int
    factory: str | None  # the generator function as written ("database.session_scope"), if known
    call_line: int  # where the factory is called: its reference is accounted for by this site
    call_column: int
    problem: str | None  # why it cannot be rewritten; None when it can
    quiet: bool = False  # the problem is that the site is not the defect: nothing to review
    loop: bool = False  # `async for target in factory(...)` rather than `anext`


@dataclass(frozen=True)
class TryEdit:
    drop_handlers: bool = False  # every handler only re-raises
    drop_finally: bool = False  # the finally only closed the generator


@dataclass(eq=False)
class SiteMatch:
    """One `anext` site and, when it can be rewritten, the nodes the rewrite touches."""

    line: int
    column: int
    factory: str | None = None
    factory_call: cst.Call | None = None
    problem: str | None = None
    statement: cst.SimpleStatementLine | None = None  # `db = await anext(ctx)`
    loop: cst.For | None = None  # `async for db in factory():` instead
    quiet: bool = False
    breaks: set[cst.CSTNode] = field(default_factory=set)  # the loop's `break`s the rewrite drops
    # `await db.close()` in a `finally` of the region -> its `try`: goes when the generator closes db
    session_closes: dict[cst.CSTNode, cst.Try] = field(default_factory=dict)
    target: cst.Name | None = None  # `db`, None for a bare `await anext(ctx)`
    removed: set[cst.CSTNode] = field(default_factory=set)  # creation and clean-up statements
    tries: dict[cst.Try, TryEdit] = field(default_factory=dict)

    def record(self, positions: Callable[[cst.CSTNode], CodeRange]) -> SiteRecord:
        call = positions(self.factory_call).start if self.factory_call is not None else None
        return SiteRecord(
            self.line,
            self.column,
            self.factory,
            call.line if call else 0,
            call.column if call else 0,
            self.problem,
            self.quiet,
            self.loop is not None,
        )


class Ancestry(cst.CSTVisitor):
    """Collects the nodes `wanted` accepts, each with its ancestors (outermost first)."""

    def __init__(self, wanted: Callable[[cst.CSTNode], bool], statements_only: bool = False) -> None:
        super().__init__()
        self.wanted = wanted
        # what is wanted is a statement: no expression holds one, so none is looked inside
        self.statements_only = statements_only
        self.stack: list[cst.CSTNode] = []
        self.found: list[tuple[cst.CSTNode, Ancestors]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.wanted(node):
            self.found.append((node, tuple(self.stack)))
        self.stack.append(node)
        return not (self.statements_only and is_expression(type(node)))

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


def anext_operand(node: cst.CSTNode, builtin_anext: bool) -> tuple[cst.BaseExpression, bool] | None:
    """(operand, has_default) for `await anext(operand[, default])` or `await operand.__anext__()`."""
    if not isinstance(node, cst.Await) or not isinstance(node.expression, cst.Call):
        return None
    call = node.expression
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "__anext__" and not call.args:
        return call.func.value, False
    plain_args = all(arg.keyword is None and not arg.star for arg in call.args)
    is_anext = builtin_anext and isinstance(call.func, cst.Name) and call.func.value == "anext"
    if is_anext and plain_args and 1 <= len(call.args) <= 2:
        return call.args[0].value, len(call.args) == 2
    return None


# `anext(` or `__anext__(`: whitespace, comments and line continuations may come before the `(`
ANEXT_CALL = re.compile(rb"\b(?:anext|__anext__)(?:\s|\\\r?\n|\\\r|#[^\r\n]*)*\(")
DEFINITION_BEFORE = re.compile(rb"\bdef[ \t]+$")


ASYNC_FOR = re.compile(rb"\basync[ \t]+for\b")


def may_pull_anext(data: bytes) -> bool:
    """Byte pre-check before any parse: does the file spell `async for`, or a call of `anext` or
    `__anext__`? `async def __anext__(self)` only defines the method."""
    return ASYNC_FOR.search(data) is not None or any(
        DEFINITION_BEFORE.search(data, max(0, call.start() - 16), call.start()) is None
        for call in ANEXT_CALL.finditer(data)
    )


def _awaits_anext(node: ast.AST) -> bool:
    """`await anext(...)` or `await x.__anext__()`."""
    if not isinstance(node, ast.Await) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    return (isinstance(func, ast.Name) and func.id == "anext") or (
        isinstance(func, ast.Attribute) and func.attr == "__anext__"
    )


def _binds_anext(facts: ModuleFacts) -> bool:
    return any("anext" in names for names in (facts.imports, facts.aliases, facts.functions, facts.classes))


@dataclass(frozen=True)
class SiteSketch:
    """An `anext` site as the stdlib ast sees it: which generator function it pulls from (as
    `find_sites` would tell), not whether it can be rewritten (that takes LibCST)."""

    line: int
    column: int  # in characters, as LibCST counts
    factory: str | None
    loop: LoopShape | None = None  # for `async for`: the whole verdict on its shape
    breaks: tuple[tuple[int, int], ...] = ()  # the loop's `break`s to drop, in characters


@dataclass(frozen=True)
class Sketch:
    sites: tuple[SiteSketch, ...] = ()
    # False when LibCST must look: a generator variable created on a line whose layout the stdlib
    # cannot tell apart (after a backslash continuation), or a possible clean-up site that another
    # site's rewrite would absorb
    exact: bool = True

    def records(self) -> list[SiteRecord]:
        """The sites as the plan records them. A site with a generator function is not analysed:
        its record is used only once that function is known not to be a unit of work."""
        return [
            SiteRecord(site.line, site.column, site.factory, 0, 0, site.loop.problem, site.loop.quiet, loop=True)
            if site.loop is not None
            else SiteRecord(site.line, site.column, site.factory, 0, 0, None if site.factory else NOT_CREATED_HERE)
            for site in self.sites
        ]

    def loop_at(self, line: int, column: int) -> SiteSketch | None:
        return next((s for s in self.sites if s.loop and (s.line, s.column) == (line, column)), None)


def sketch_sites(source: SourceFile) -> Sketch:
    """The module's `anext` sites from the stdlib ast alone (module-level for worker processes)."""
    tree = source.ast
    if not _pulls_from_generators(tree):
        return Sketch()
    builtin_anext = not _binds_anext(module_facts(source))
    lines = re.split("\r\n|\r|\n", source.text)
    sites: list[SiteSketch] = []
    exact = True
    cleanup_shaped = False
    for node, parent, function in _walk_with_function(tree):
        if _loop_over_call(node):
            sites.append(_sketch_loop(node, function, lines))  # type: ignore[arg-type]
            continue
        pulled = _anext_operand_ast(node, builtin_anext)
        if pulled is None:
            continue
        operand, has_default = pulled
        cleanup_shaped |= has_default and isinstance(parent, ast.Expr) and isinstance(operand, ast.Name)
        factory, certain = _sketched_factory(operand, function, lines)
        exact &= certain
        line = lines[node.lineno - 1]
        sites.append(SiteSketch(node.lineno, _character_column(line, node.col_offset), factory))
    if cleanup_shaped and any(site.factory for site in sites):
        exact = False
    return Sketch(tuple(sorted(sites, key=lambda site: (site.line, site.column))), exact)


def _loop_over_call(node: ast.AST) -> bool:
    """`async for target in factory(...)`: a loop over a generator created right there."""
    return (
        isinstance(node, ast.AsyncFor)
        and isinstance(node.iter, ast.Call)
        and dotted_name(node.iter.func) is not None
    )


def _sketch_loop(loop: ast.AsyncFor, function: ast.AST | None, lines: list[str]) -> SiteSketch:
    shape = loop_shape(loop, function)
    breaks = tuple((line, _character_column(lines[line - 1], column)) for line, column in shape.breaks)
    factory = dotted_name(loop.iter.func)  # type: ignore[attr-defined]
    return SiteSketch(loop.lineno, _character_column(lines[loop.lineno - 1], loop.col_offset), factory, shape, breaks)


def _pulls_from_generators(tree: ast.Module) -> bool:
    """Cheap pre-check before LibCST: an awaited `anext`, or `async for` over a call (one walk)."""
    return any(_awaits_anext(node) or _loop_over_call(node) for node in walk_ast(tree))


def _walk_with_function(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.AST | None, ast.AST | None]]:
    """(node, parent, enclosing function) for every node: the function as `SiteAnalysis` finds it,
    the nearest `def` unless a class or lambda comes first."""
    stack: list[tuple[ast.AST, ast.AST | None, ast.AST | None]] = [(tree, None, None)]
    while stack:
        node, parent, function = stack.pop()
        yield node, parent, function
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node
        elif isinstance(node, (ast.ClassDef, ast.Lambda)):
            function = None
        stack.extend((child, node, function) for child in child_nodes(node))


def _anext_operand_ast(node: ast.AST, builtin_anext: bool) -> tuple[ast.expr, bool] | None:
    """`anext_operand` for the stdlib ast."""
    if not isinstance(node, ast.Await) or not isinstance(node.value, ast.Call):
        return None
    call = node.value
    plain = not call.keywords and not any(isinstance(arg, ast.Starred) for arg in call.args)
    if isinstance(call.func, ast.Attribute) and call.func.attr == "__anext__" and plain and not call.args:
        return call.func.value, False
    is_anext = builtin_anext and isinstance(call.func, ast.Name) and call.func.id == "anext"
    if is_anext and plain and 1 <= len(call.args) <= 2:
        return call.args[0], len(call.args) == 2
    return None


def _sketched_factory(
    operand: ast.expr, function: ast.AST | None, lines: list[str]
) -> tuple[str | None, bool]:
    """The generator function as `SiteAnalysis._find_factory` names it, and whether that is certain:
    the operand's own callee, or that of the first `operand = factory(...)` line in the function."""
    if isinstance(operand, ast.Call):
        return dotted_name(operand.func), True
    if not isinstance(operand, ast.Name) or function is None:
        return None, True
    creations = sorted(
        (node for node in walk_ast(function) if _created_call(node, operand.id) is not None),
        key=lambda node: (node.lineno, node.col_offset),
    )
    for statement in creations:
        alone = _alone_on_its_line(statement, lines)
        if alone is None:
            return None, False
        if alone:
            return dotted_name(_created_call(statement, operand.id).func), True  # type: ignore[union-attr]
    return None, True


def _created_call(node: ast.AST, variable: str) -> ast.Call | None:
    """`_creation_call` for the stdlib ast, but for the statement's own line, which it cannot see."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None
    if isinstance(target, ast.Name) and target.id == variable and isinstance(value, ast.Call):
        return value if dotted_name(value.func) else None
    return None


def _alone_on_its_line(statement: ast.stmt, lines: list[str]) -> bool | None:
    """Is the statement the only one of its line (LibCST: a SimpleStatementLine of one statement,
    not part of `a; b` or of a one-line `if x: b`)? None when a backslash continuation hides that."""
    first = lines[statement.lineno - 1].encode()
    if first[: statement.col_offset].strip(b" \t\f"):
        return False
    if statement.lineno > 1 and lines[statement.lineno - 2].endswith("\\"):
        return None
    assert statement.end_lineno is not None and statement.end_col_offset is not None
    rest = lines[statement.end_lineno - 1].encode()[statement.end_col_offset :]
    return re.fullmatch(rb"[ \t\f]*(;[ \t\f]*)?(#.*)?", rest) is not None


def _character_column(line: str, byte_offset: int) -> int:
    """The stdlib counts columns in UTF-8 bytes, LibCST in characters."""
    return len(line.encode()[:byte_offset].decode(errors="replace"))


def find_sites(source: SourceFile) -> tuple[list[SiteMatch], Callable[[cst.CSTNode], CodeRange]]:
    """Every awaited `anext` in the module, analysed; and the position lookup used for them. The
    plan and the rewrite both ask: the second asks the same tree, and is given the first answer."""
    return source.derived("async-with.sites", lambda: _find_sites(source))


def _find_sites(source: SourceFile) -> tuple[list[SiteMatch], Callable[[cst.CSTNode], CodeRange]]:
    if not _pulls_from_generators(source.ast):
        return [], lambda node: CodeRange((0, 0), (0, 0))
    builtin_anext = not _binds_anext(module_facts(source))
    positions = source.lines.positions  # shared with every other reader of this tree
    finder = Ancestry(
        lambda node: anext_operand(node, builtin_anext) is not None
        or (isinstance(node, cst.For) and node.asynchronous is not None)
    )
    # an `anext`/`__anext__` call or an `async for` starts on a line spelling one of these
    visit_near(source.cst, finder, source.lines, lines_naming(source.text, ["anext", "__anext__", "async"]))
    sketch = sketch_sites(source)
    analysed = []
    for node, ancestors in finder.found:
        start = positions[node].start
        site = SiteMatch(start.line, start.column)
        if isinstance(node, cst.For):
            loop = sketch.loop_at(start.line, start.column)
            if loop is not None and isinstance(node.iter, cst.Call):
                _match_loop(site, node, loop, positions)
                analysed.append((site, ancestors))
            continue
        try:
            SiteAnalysis(site, node, ancestors, builtin_anext).run()
        except LeaveAlone as reason:
            site.problem = str(reason)
        analysed.append((site, ancestors))
    # a second `anext(ctx, None)` that only finishes a rewritten site is that site's clean-up
    cleanups = set().union(*(site.removed for site, _ in analysed if site.problem is None))
    sites = [site for site, ancestors in analysed if not _within(ancestors, *cleanups)]
    return sites, positions.__getitem__


def _match_loop(
    site: SiteMatch, loop: cst.For, sketch: SiteSketch, positions: Mapping[cst.CSTNode, CodeRange]
) -> None:
    """A loop site: its verdict comes from `loop_shape`, its nodes from LibCST."""
    assert sketch.loop is not None and isinstance(loop.iter, cst.Call)
    site.loop = loop
    site.factory = sketch.factory
    site.factory_call = loop.iter
    site.problem = sketch.loop.problem
    site.quiet = sketch.loop.quiet
    if isinstance(loop.target, cst.Name):
        site.target = loop.target
    wanted = set(sketch.breaks)
    finder = Ancestry(lambda node: isinstance(node, cst.Break), statements_only=True)
    walk(loop.body, finder)
    site.breaks = {
        node for node, _ in finder.found if (positions[node].start.line, positions[node].start.column) in wanted
    }
    if site.problem is None and len(site.breaks) != len(wanted):
        site.problem = "its `break`s could not be located"


def survey_sites(source: SourceFile) -> list[SiteRecord]:
    """The plan's view of a module's `anext` sites (module-level so worker processes can run it)."""
    sites, positions = find_sites(source)
    return [site.record(positions) for site in sites]


class SiteAnalysis:
    """Decides whether one `anext` site can become `async with`, and what the rewrite must touch.

    The rewritten block is `async with factory() as target:` followed by everything after the
    `anext` statement in its block (the *region*). Safe only when the generator object and the
    target are used nowhere else: the generator only where it is created, pulled and closed,
    the target only inside the region and without escaping it.
    """

    def __init__(self, site: SiteMatch, node: cst.Await, ancestors: Ancestors, builtin_anext: bool) -> None:
        self.site = site
        self.node = node
        self.ancestors = ancestors
        self.builtin_anext = builtin_anext
        operand, self.has_default = anext_operand(node, builtin_anext) or (node, False)
        self.operand = operand
        self.function = self._enclosing_function()

    def run(self) -> None:
        self._find_factory()
        if self.has_default:
            raise LeaveAlone("`anext` with a default value: the generator may be exhausted on purpose")
        statement, block, index = self._statement()
        self.site.statement = statement
        region = list(block.body[index + 1 :])
        self._check_no_loop(statement)
        self._account_for_generator(block, index, region)
        self._check_target(statement, region)
        self._find_session_closes(region)
        self._drop_reraise_only_tries(block, region)

    # -- the pieces ----------------------------------------------------------------------------

    def _enclosing_function(self) -> cst.FunctionDef | None:
        for ancestor in reversed(self.ancestors):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
            if isinstance(ancestor, (cst.ClassDef, cst.Lambda)):
                return None
        return None

    def _find_factory(self) -> None:
        if isinstance(self.operand, cst.Call) and dotted(self.operand.func):
            self.site.factory_call = self.operand
        elif isinstance(self.operand, cst.Name) and self.function is not None:
            creations = [call for _, call in self._creations()]
            if creations:
                self.site.factory_call = creations[0]
        if self.site.factory_call is None:
            raise LeaveAlone(NOT_CREATED_HERE)
        self.site.factory = dotted(self.site.factory_call.func)

    def _creations(self) -> list[tuple[cst.SimpleStatementLine, cst.Call]]:
        """`ctx = factory(...)` statements in the function."""
        assert isinstance(self.operand, cst.Name) and self.function is not None
        finder = Ancestry(lambda node: _creation_call(node, self.operand.value) is not None)
        walk(self.function, finder)
        return [(node, _creation_call(node, self.operand.value)) for node, _ in finder.found]  # type: ignore[misc]

    def _statement(self) -> tuple[cst.SimpleStatementLine, cst.IndentedBlock, int]:
        if self.function is None:
            raise LeaveAlone("not inside a function")
        small, line, block = self.ancestors[-1], self.ancestors[-2], self.ancestors[-3]
        if not (
            isinstance(line, cst.SimpleStatementLine)
            and len(line.body) == 1
            and isinstance(block, cst.IndentedBlock)
        ):
            raise LeaveAlone("the pulled value is not simply assigned in a statement of its own")
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            self.site.target = small.targets[0].target
        elif (
            isinstance(small, cst.AnnAssign)
            and isinstance(small.target, cst.Name)
            and small.value is self.node
        ):
            self.site.target = small.target
        elif not (isinstance(small, cst.Expr) and small.value is self.node):
            raise LeaveAlone("the pulled value is not simply assigned to a name")
        if isinstance(small, cst.Assign) and small.value is not self.node:
            raise LeaveAlone("the pulled value is not simply assigned to a name")
        index = next(i for i, statement in enumerate(block.body) if statement is line)
        return line, block, index

    def _check_no_loop(self, statement: cst.SimpleStatementLine) -> None:
        inside = self.ancestors[self.ancestors.index(self.function) :]
        if any(isinstance(node, (cst.For, cst.While)) for node in inside):
            raise LeaveAlone("`anext` inside a loop: each turn would need its own `async with`")

    def _account_for_generator(
        self, block: cst.IndentedBlock, index: int, region: list[cst.BaseStatement]
    ) -> None:
        """The generator variable (if any) may only be created, pulled once, and closed."""
        if not isinstance(self.operand, cst.Name):
            return
        creation = self._creation_before(block, index)
        self.site.removed.add(creation)
        self.site.factory_call = _creation_call(creation, self.operand.value)
        for name, ancestors in name_references(self.function, {self.operand.value}):
            if name is self.operand or _within(ancestors, creation):
                continue
            cleanup = next(
                (a for a in ancestors if _is_cleanup(a, self.operand.value, self.builtin_anext)), None
            )
            if cleanup is None:
                raise LeaveAlone(f"`{self.operand.value}` is used elsewhere in the function")
            self._remove_cleanup(cleanup, ancestors, region)

    def _creation_before(self, block: cst.IndentedBlock, index: int) -> cst.SimpleStatementLine:
        """The creation statement: in the same block before the `anext`, or just before the `try`
        whose body starts with it. With arguments it must come right before (they are evaluated
        later once moved into the `async with`)."""
        earlier = list(block.body[:index])
        parent_try = self.ancestors[-4] if len(self.ancestors) >= 5 else None
        if not earlier and isinstance(parent_try, cst.Try) and parent_try.body is block:
            outer = self.ancestors[-5]
            if isinstance(outer, cst.IndentedBlock):
                earlier = list(outer.body[: next(i for i, s in enumerate(outer.body) if s is parent_try)])
        for distance, statement in enumerate(reversed(earlier)):
            call = _creation_call(statement, self.operand.value)  # type: ignore[union-attr]
            if call is not None:
                if distance and call.args:
                    raise LeaveAlone("the generator is created with arguments away from its `anext`")
                return statement  # type: ignore[return-value]
        raise LeaveAlone("the generator is created in another block than its `anext`")

    def _remove_cleanup(
        self, cleanup: cst.CSTNode, ancestors: Ancestors, region: list[cst.BaseStatement]
    ) -> None:
        """Closing the generator is now the `async with`'s job. The clean-up may be a statement of
        the region after which the target is no longer used, or sit in the `finally` of a `try`
        around the `anext` or inside the region; anywhere else the site is left alone."""
        self.site.removed.add(cleanup)
        if cleanup in region:
            later = region[region.index(cleanup) + 1 :]
            if self.site.target is not None and any(
                name_references(statement, {self.site.target.value}) for statement in later
            ):
                raise LeaveAlone(f"`{self.site.target.value}` is used after the generator is closed")
            return
        try_node = _try_whose_finally_holds(cleanup, ancestors)
        if try_node is None or not (try_node in self.ancestors or _within(ancestors, *region)):
            raise LeaveAlone("the generator is closed somewhere the `async with` cannot take over")
        _drop_finally_once_emptied(self.site, try_node)

    def _check_target(self, statement: cst.SimpleStatementLine, region: list[cst.BaseStatement]) -> None:
        target = self.site.target
        if target is None:
            return
        for name, ancestors in name_references(self.function, {target.value}):
            if name is target:
                continue
            if not _within(ancestors, *region):
                raise LeaveAlone(
                    f"`{target.value}` is also used outside the block that would become `async with`"
                )
            if _escapes(name, ancestors, _kept_names(self.function)):
                raise LeaveAlone(
                    f"`{target.value}` escapes the block (returned or stored): it would be used after closing"
                )

    def _find_session_closes(self, region: list[cst.BaseStatement]) -> None:
        """`finally: await db.close()` in the region: once the generator's own clean-up runs on
        leaving `async with`, this close would come first and drop the work before its commit."""
        target = self.site.target
        if target is None:
            return
        for _, ancestors in name_references(self.function, {target.value}):
            close = next((a for a in ancestors if _awaits_method(a, target.value, "close")), None)
            if close is None or not _within(ancestors, *region):
                continue
            try_node = _try_whose_finally_holds(close, ancestors)
            if try_node is not None:
                self.site.session_closes[close] = try_node

    def _drop_reraise_only_tries(self, block: cst.IndentedBlock, region: list[cst.BaseStatement]) -> None:
        """`try: ... except Exception: raise` around the work only re-raises: it goes."""
        enclosing = self.ancestors[-4] if len(self.ancestors) >= 4 else None
        candidates = [node for node in region if isinstance(node, cst.Try)]
        if isinstance(enclosing, cst.Try) and enclosing.body is block:
            candidates.append(enclosing)
        for node in candidates:
            if node.handlers and node.orelse is None and all(_only_reraises(h) for h in node.handlers):
                previous = self.site.tries.get(node, TryEdit())
                self.site.tries[node] = TryEdit(drop_handlers=True, drop_finally=previous.drop_finally)


def _creation_call(node: cst.CSTNode, variable: str) -> cst.Call | None:
    """The call in `variable = factory(...)` when `node` is such a statement line."""
    if not isinstance(node, cst.SimpleStatementLine) or len(node.body) != 1:
        return None
    small = node.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        return None
    if (
        isinstance(target, cst.Name)
        and target.value == variable
        and isinstance(value, cst.Call)
        and dotted(value.func)
    ):
        return value
    return None


def _is_cleanup(node: cst.CSTNode, variable: str, builtin_anext: bool) -> bool:
    """`await variable.aclose()` or `await anext(variable, None)` as a statement of its own."""
    if _awaits_method(node, variable, "aclose"):
        return True
    small = _only_expression(node)
    pulled = anext_operand(small.value, builtin_anext) if small is not None else None
    return pulled is not None and pulled[1] and _is_name(pulled[0], variable)


def _awaits_method(node: cst.CSTNode, variable: str, method: str) -> bool:
    """`await variable.method()` as a statement of its own."""
    small = _only_expression(node)
    call = small.value.expression if small is not None else None  # type: ignore[attr-defined]
    return (
        isinstance(call, cst.Call)
        and not call.args
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == method
        and _is_name(call.func.value, variable)
    )


def _only_expression(node: cst.CSTNode) -> cst.Expr | None:
    """The `await ...` expression of a statement line (or one-line suite) holding only it."""
    if not isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) or len(node.body) != 1:
        return None
    small = node.body[0]
    return small if isinstance(small, cst.Expr) and isinstance(small.value, cst.Await) else None


def _try_whose_finally_holds(statement: cst.CSTNode, ancestors: Ancestors) -> cst.Try | None:
    """The `try` whose `finally:` block holds the statement (or is `finally: statement` on one line)."""
    at = ancestors.index(statement)
    clause_at = at - 1 if isinstance(statement, cst.SimpleStatementSuite) else at - 2
    if clause_at < 1:
        return None
    clause, try_node = ancestors[clause_at], ancestors[clause_at - 1]
    return try_node if isinstance(clause, cst.Finally) and isinstance(try_node, cst.Try) else None


def _drop_finally_once_emptied(site: SiteMatch, try_node: cst.Try) -> None:
    """The `finally:` goes when every statement in it is one the rewrite removes."""
    body = try_node.finalbody.body if try_node.finalbody is not None else None
    # `finally: await db.close()` on one line: the suite itself is the statement removed
    statements = body.body if isinstance(body, cst.IndentedBlock) else (body,) if body is not None else ()
    if all(statement in site.removed for statement in statements):
        previous = site.tries.get(try_node, TryEdit())
        site.tries[try_node] = TryEdit(previous.drop_handlers, drop_finally=True)


def _is_name(node: cst.CSTNode, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def _within(ancestors: Ancestors, *nodes: cst.CSTNode) -> bool:
    wanted = set(nodes)
    return any(ancestor in wanted for ancestor in ancestors)


def name_references(scope: cst.CSTNode | None, names: set[str]) -> list[tuple[cst.Name, Ancestors]]:
    """Names in `scope` that are variables (not attribute names or keyword argument names)."""
    if scope is None:
        return []
    finder = Ancestry(lambda node: isinstance(node, cst.Name) and node.value in names)
    walk(scope, finder)
    return [(name, ancestors) for name, ancestors in finder.found if not _is_label(name, ancestors[-1])]  # type: ignore[misc]


def _is_label(name: cst.Name, parent: cst.CSTNode) -> bool:
    return (isinstance(parent, cst.Attribute) and parent.attr is name) or (
        isinstance(parent, cst.Arg) and parent.keyword is name
    )


def _kept_names(function: cst.CSTNode | None) -> set[str]:
    """Names the function declares `global` or `nonlocal`: what it stores there outlives it."""
    finder = Ancestry(lambda node: isinstance(node, (cst.Global, cst.Nonlocal)), statements_only=True)
    if function is not None:
        walk(function, finder)
    return {item.name.value for node, _ in finder.found for item in node.names}  # type: ignore[attr-defined]


def _escapes(name: cst.Name, ancestors: Ancestors, kept: set[str]) -> bool:
    """Is the value returned or stored away (used after the `async with` closed it)?"""
    child: cst.CSTNode = name
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, cst.Await):
            return False
        if isinstance(ancestor, cst.Return):
            return True
        if isinstance(ancestor, (cst.Assign, cst.AnnAssign)) and ancestor.value is child:
            targets = (
                [t.target for t in ancestor.targets]
                if isinstance(ancestor, cst.Assign)
                else [ancestor.target]
            )
            return any(not isinstance(target, cst.Name) or target.value in kept for target in targets)
        if isinstance(ancestor, cst.BaseStatement):
            return False
        child = ancestor
    return False


def _only_reraises(handler: cst.ExceptHandler) -> bool:
    """`except Exception: raise` (or bare/BaseException) with no comment that would be lost."""
    if handler.type is not None and dotted(handler.type) not in {"Exception", "BaseException"}:
        return False
    body = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else [handler.body]
    if len(body) != 1 or not isinstance(body[0], (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return False
    smalls = body[0].body
    only_raise = len(smalls) == 1 and isinstance(smalls[0], cst.Raise) and smalls[0].exc is None
    return only_raise and "#" not in code_for_node(handler)


# ---------------------------------------------------------------------------------------------
# The rewrite of blocks (LibCST)
# ---------------------------------------------------------------------------------------------


class BlockRewriter(cst.CSTTransformer):
    """Applies the analysed sites. Every structural change is made in the block that holds the
    statements, so `original.body[i]` and `updated.body[i]` always correspond."""

    def __init__(
        self,
        sites: dict[cst.SimpleStatementLine, tuple[SiteMatch, cst.Call]],
        loops: dict[cst.For, tuple[SiteMatch, cst.Call]] | None = None,
    ) -> None:
        super().__init__()
        self.sites = sites
        self.loops = loops or {}
        self.removed: set[cst.CSTNode] = set().union(*(site.removed for site, _ in sites.values()))
        self.breaks: set[cst.CSTNode] = set().union(*(site.breaks for site, _ in self.loops.values()))
        self.tries: dict[cst.Try, TryEdit] = {}
        for site, _ in sites.values():
            for node, edit in site.tries.items():
                known = self.tries.get(node, TryEdit())
                self.tries[node] = TryEdit(
                    known.drop_handlers or edit.drop_handlers, known.drop_finally or edit.drop_finally
                )

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = self._rebuild(list(zip(original_node.body, updated_node.body)))
        return updated_node.with_changes(body=body or [cst.SimpleStatementLine([cst.Pass()])])

    def leave_Finally(self, original_node: cst.Finally, updated_node: cst.Finally) -> cst.Finally:
        if original_node.body in self.removed:  # `finally: await ctx.aclose()` on one line
            return updated_node.with_changes(body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Pass()])]))
        return updated_node

    def _rebuild(
        self, pairs: Sequence[tuple[cst.BaseStatement, cst.BaseStatement]]
    ) -> list[cst.BaseStatement]:
        statements: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []  # blank lines and comments above a removed statement
        for position, (original, updated) in enumerate(pairs):
            if original in self.removed:
                carried.extend(original.leading_lines)  # type: ignore[attr-defined]
                continue
            if original in self.sites:
                statements.append(self._async_with(original, self._rebuild(pairs[position + 1 :]), carried))  # type: ignore[arg-type]
                return statements
            if original in self.loops:
                replacement: list[cst.BaseStatement] = [self._loop_with(original, updated)]  # type: ignore[arg-type]
            elif original in self.tries:
                replacement = self._edit_try(original, updated)  # type: ignore[arg-type]
            elif isinstance(original, cst.SimpleStatementLine) and self.breaks.intersection(original.body):
                kept = self._without_breaks(original, updated)  # type: ignore[arg-type]
                if kept is None:
                    carried.extend(original.leading_lines)
                    continue
                replacement = [kept]
            else:
                replacement = [updated]
            first = replacement[0]
            replacement[0] = first.with_changes(leading_lines=[*carried, *first.leading_lines])  # type: ignore[attr-defined]
            carried = []
            statements.extend(replacement)
        if any(line.comment is not None for line in carried):  # comments above a dropped last line
            statements.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=carried))
        return statements

    def _without_breaks(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | None:
        """The line without the loop's `break`s; None when nothing (not even a comment) is left."""
        kept = [new for old, new in zip(original.body, updated.body) if old not in self.breaks]
        if kept:
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(body=kept)
        if updated.trailing_whitespace.comment is not None:
            return updated.with_changes(body=[cst.Pass()])  # `break  # why` keeps its comment
        return None

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.If:
        """`else: break` at the end of the loop body goes with its `break`."""
        orelse = original_node.orelse
        if isinstance(orelse, cst.Else) and self._only_dropped_breaks(orelse.body):
            return updated_node.with_changes(orelse=None)
        return updated_node

    def _only_dropped_breaks(self, block: cst.BaseSuite) -> bool:
        code = code_for_node(block)
        statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
        return "#" not in code and all(
            isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
            and all(small in self.breaks for small in statement.body)
            for statement in statements
        )

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        """`if done: break` on one line."""
        if not self.breaks.intersection(original_node.body):
            return updated_node
        kept = [new for old, new in zip(original_node.body, updated_node.body) if old not in self.breaks]
        if kept:
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=kept or [cst.Pass()])

    def _loop_with(self, original: cst.For, updated: cst.For) -> cst.With:
        """`async for db in factory(): body` -> `async with opener() as db: body`."""
        _, call = self.loops[original]
        return cst.With(
            items=[cst.WithItem(item=standalone(call), asname=cst.AsName(name=updated.target))],  # type: ignore[arg-type]
            body=updated.body,
            asynchronous=updated.asynchronous,
            leading_lines=updated.leading_lines,
            whitespace_before_colon=updated.whitespace_before_colon,
        )

    def _async_with(
        self, statement: cst.SimpleStatementLine, rest: list[cst.BaseStatement], carried: list[cst.EmptyLine]
    ) -> cst.With:
        site, call = self.sites[statement]
        target = cst.AsName(name=site.target) if site.target is not None else None
        if rest:
            rest[0] = rest[0].with_changes(leading_lines=_without_leading_blanks(rest[0].leading_lines))  # type: ignore[attr-defined]
        return cst.With(
            items=[cst.WithItem(item=standalone(call), asname=target)],
            body=cst.IndentedBlock(
                body=rest or [cst.SimpleStatementLine([cst.Pass()])], header=statement.trailing_whitespace
            ),
            asynchronous=cst.Asynchronous(),
            leading_lines=[*carried, *statement.leading_lines],
        )

    def _edit_try(self, original: cst.Try, updated: cst.Try) -> list[cst.BaseStatement]:
        edit = self.tries[original]
        handlers = () if edit.drop_handlers else updated.handlers
        finalbody = None if edit.drop_finally else updated.finalbody
        if handlers or finalbody is not None:
            return [updated.with_changes(handlers=handlers, finalbody=finalbody)]
        if isinstance(updated.body, cst.SimpleStatementSuite):  # `try: x` alone: the line `x`
            suite = updated.body
            return [
                cst.SimpleStatementLine(
                    body=suite.body, leading_lines=updated.leading_lines, trailing_whitespace=suite.trailing_whitespace
                )
            ]
        body = list(updated.body.body)
        body[0] = body[0].with_changes(leading_lines=[*updated.leading_lines, *body[0].leading_lines])  # type: ignore[attr-defined]
        return body


def _without_leading_blanks(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    lines = list(lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    return lines


def _bound_name(alias: cst.ImportAlias) -> str:
    """The name an imported name is bound to: `f` in `import f` and in `import g as f`."""
    return alias.evaluated_alias or alias.evaluated_name


# ---------------------------------------------------------------------------------------------
# Project-wide facts gathered by the plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactoryPlan:
    """A unit-of-work generator function whose callers get `async with` (picklable)."""

    qualified: str  # "app.database.get_db_session_context"
    module: str  # the module that defines it
    name: str
    mode: str  # DECORATE or TWIN
    decorator: str  # how the defining module spells asynccontextmanager
    decorator_import: ImportSpec | None
    twin: str = ""  # the twin's name in TWIN mode
    twin_exists: bool = False
    why_twin: str = ""
    closes_session: bool = False  # its clean-up closes what it yields: a caller's own close goes

    @property
    def opener(self) -> str:
        """What the call sites call: the function itself, or its twin."""
        return self.twin if self.mode == TWIN else self.name


def _analyse(project: Project, sites: dict[str, list[SiteRecord]], relpaths: set[str]) -> set[str]:
    """Replace the sketched sites of the files `relpaths` by LibCST's analysis (none if it fails)."""
    found = {
        mapped.source.relpath: mapped.value
        for mapped in project.map(survey_sites, [f for f in project.files if f.relpath in relpaths])
    }
    sites.update((relpath, found.get(relpath, [])) for relpath in relpaths)
    return relpaths


def _factory_users(
    project: Project, model: SemanticModel, sites: Mapping[str, list[SiteRecord]]
) -> dict[str, list[tuple[SourceFile, SiteRecord]]]:
    """Qualified generator function -> the sites (and their files) that pull from it."""
    users: dict[str, list[tuple[SourceFile, SiteRecord]]] = {}
    for relpath, records in sites.items():
        source = project.find_file(relpath)
        for record in records:
            if record.factory and source is not None:
                qualified = model.resolve(source.module, record.factory, record.line)
                users.setdefault(qualified, []).append((source, record))
    return users


def _take_over_session_closes(site: SiteMatch, plan: FactoryPlan) -> None:
    """The caller's `finally: await db.close()` goes when the generator closes the session itself;
    kept, it would close (and roll back) the session before the generator's commit."""
    if not site.session_closes:
        return
    if not plan.closes_session:
        raise LeaveAlone(
            f"the session is closed by hand, and `{plan.name}` does not close it: kept, that close "
            "would drop the work before the generator's commit; removed, nothing would close it"
        )
    site.removed.update(site.session_closes)
    for try_node in set(site.session_closes.values()):
        _drop_finally_once_emptied(site, try_node)


def _left_alone(line: int, column: int, reason: LeaveAlone, loop: bool = False) -> Site | None:
    """The report of a site left alone; none for a loop that is not the defect (every `async for`
    over a stream would be listed otherwise)."""
    if loop and isinstance(reason, Skip):
        return None
    action = Action.SKIPPED if isinstance(reason, Skip) else Action.REVIEW
    return Site(line, column + 1, action, f"left alone: {reason}")


def decorator_spelling(facts: ModuleFacts) -> tuple[str, ImportSpec | None]:
    """How a module should spell `contextlib.asynccontextmanager`, and the import it needs."""
    bound = {**facts.imports, **facts.aliases, **{name: name for name in (*facts.functions, *facts.classes)}}
    for local, target in facts.imports.items():
        if target == ASYNCCONTEXTMANAGER:
            return local, None
    for local, target in facts.imports.items():
        if target == "contextlib":
            return f"{local}.asynccontextmanager", None
    uses_from_contextlib = any(target.startswith("contextlib.") for target in facts.imports.values())
    if uses_from_contextlib and "asynccontextmanager" not in bound:
        return "asynccontextmanager", ImportSpec("contextlib", "asynccontextmanager")
    if "contextlib" not in bound:
        return ASYNCCONTEXTMANAGER, ImportSpec("contextlib")
    raise LeaveAlone("`contextlib` names something else in the defining module")


def add_imports_in_style(module: cst.Module, imports: Iterable[ImportSpec], module_name: str) -> cst.Module:
    """`add_imports`, except that a plain stdlib `import x` joins the stdlib imports at the top
    (sorted as isort/ruff would) instead of landing after the third-party ones."""
    imports = list(dict.fromkeys(imports))
    for spec in [s for s in imports if s.obj is None and s.module in sys.stdlib_module_names]:
        module = _insert_stdlib_import(module, spec.module)
        imports.remove(spec)
    return add_imports(module, imports, module_name)


def _insert_stdlib_import(module: cst.Module, name: str) -> cst.Module:
    body = list(module.body)
    lines = [(i, s.body[0]) for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine) and s.body]
    imports = [(i, n) for i, n in lines if isinstance(n, (cst.Import, cst.ImportFrom))]
    if any(isinstance(n, cst.Import) and any(a.evaluated_name == name for a in n.names) for _, n in imports):
        return module
    imports = [
        (i, n)
        for i, n in imports
        if not (isinstance(n, cst.ImportFrom) and _imported_module(n) == "__future__")
    ]
    if not imports:
        return _insert_first_import(module, name)
    position, new_section = imports[0][0], True
    for index, node in imports:
        top = _imported_module(node).split(".")[0]
        if top not in sys.stdlib_module_names:
            continue
        new_section = False
        if isinstance(node, cst.ImportFrom) or top > name:
            position = index
            break
        position = index + 1
    statement = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name(name))])])
    if position < len(body) and position == imports[0][0]:  # first of the block: take its leading lines
        following = body[position]
        statement = statement.with_changes(leading_lines=following.leading_lines)
        body[position] = following.with_changes(leading_lines=[cst.EmptyLine()] if new_section else [])
    body.insert(position, statement)
    return module.with_changes(body=body)


def _insert_first_import(module: cst.Module, name: str) -> cst.Module:
    """`import name` as the module's first import: after its docstring, two blank lines before code."""
    body = list(module.body)
    position = 1 if body and _is_docstring(body[0]) else 0
    statement = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name(name))])])
    if position < len(body):
        following = body[position]
        blanks = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
        kept = _without_leading_blanks(following.leading_lines)
        statement = statement.with_changes(leading_lines=[cst.EmptyLine()] * position)
        body[position] = following.with_changes(leading_lines=[*[cst.EmptyLine()] * blanks, *kept])
    body.insert(position, statement)
    return module.with_changes(body=body)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _imported_module(node: cst.Import | cst.ImportFrom) -> str:
    if isinstance(node, cst.Import):
        return node.names[0].evaluated_name
    return ("." * len(node.relative)) + (dotted(node.module) or "" if node.module else "")


def existing_twin(tree: ast.Module, twin: str, function: str) -> bool | None:
    """True when `twin = asynccontextmanager(function)` is already there, False when `twin` is
    free, None when `twin` names something else."""
    bindings = [node for node in tree.body if twin in _names_bound_by(node)]
    if not bindings:
        return False
    node = bindings[-1]
    is_twin = (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and (dotted_name(node.value.func) or "").endswith("asynccontextmanager")
        and [dotted_name(arg) for arg in node.value.args] == [function]
    )
    return True if is_twin else None


# ---------------------------------------------------------------------------------------------
# Everything one file needs changed, keyed by original nodes, applied in one pass
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class FileEdits:
    sites: dict[cst.SimpleStatementLine, tuple[SiteMatch, cst.Call]] = field(default_factory=dict)
    loops: dict[cst.For, tuple[SiteMatch, cst.Call]] = field(default_factory=dict)
    decorate: dict[cst.FunctionDef, str] = field(default_factory=dict)  # def -> decorator expression
    twins_after: dict[cst.FunctionDef, str] = field(default_factory=dict)  # def -> `twin = ...` statement
    renames: dict[cst.Name, str] = field(default_factory=dict)  # `__anext__` -> `__aenter__`
    # import statement -> (function imported there, its twin, whether the twin replaces it)
    import_names: dict[cst.ImportFrom, tuple[str, str, bool]] = field(default_factory=dict)
    imports: list[ImportSpec] = field(default_factory=list)
    reports: list[Site] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.sites
            or self.loops
            or self.decorate
            or self.twins_after
            or self.renames
            or self.import_names
            or self.imports
        )


class FileRewriter(BlockRewriter):
    def __init__(self, edits: FileEdits) -> None:
        super().__init__(edits.sites, edits.loops)
        self.edits = edits

    def edited_nodes(self) -> list[cst.CSTNode]:
        """Every node an edit is keyed on (the twins follow top-level statements: the module's own body)."""
        edits = self.edits
        return [
            *self.sites, *self.loops, *self.removed, *self.breaks, *self.tries,
            *edits.decorate, *edits.renames, *edits.import_names,
        ]

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        decorator = self.edits.decorate.get(original_node)
        if decorator is None:
            return updated_node
        added = cst.Decorator(decorator=cst.parse_expression(decorator))
        return updated_node.with_changes(decorators=[added, *updated_node.decorators])

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=self.edits.renames.get(original_node, updated_node.value))

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        """Import the twin beside the function it stands in for (`from .db import f, f_context`),
        replacing the function when nothing uses it any more."""
        edit = self.edits.import_names.get(original_node)
        if edit is None or isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        function, twin, replace = edit
        names = list(updated_node.names)
        position = next(i for i, alias in enumerate(names) if _bound_name(alias) == function)
        alias = names[position]
        if replace:
            names[position] = alias.with_changes(name=cst.Name(twin), asname=None)
        elif isinstance(alias.comma, cst.MaybeSentinel):
            names.insert(position + 1, cst.ImportAlias(name=cst.Name(twin)))
        else:
            names[position] = alias.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            names.insert(position + 1, cst.ImportAlias(name=cst.Name(twin), comma=alias.comma))
        return updated_node.with_changes(names=names)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = []
        for original, updated in zip(original_node.body, updated_node.body):
            body.append(updated)
            twin = self.edits.twins_after.get(original)  # type: ignore[arg-type]
            if twin is not None:
                statement = cst.parse_statement(twin)
                body.append(statement.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()]))
        return updated_node.with_changes(body=body)


# ---------------------------------------------------------------------------------------------
# The transform
# ---------------------------------------------------------------------------------------------


def _twin_template(value: object) -> str:
    template = str(value).strip()
    if "{name}" not in template or not template.format(name="f").isidentifier():
        raise ValueError("expected an identifier template containing {name}, e.g. '{name}_context'")
    return template


class AsyncWithSessions(Transform):
    """Open unit-of-work sessions with `async with` instead of pulling them out with `anext`.

    Defect: `db = await anext(get_db_session_context())` takes the one item of an async generator
    and never resumes it, so the generator's code after `yield` (commit on success, rollback on
    error, close) never runs: work is never committed and connections leak until garbage collection.

    The same defect as a loop: `async for db in get_db():` whose body leaves with `break` or
    `return` never resumes the generator either (scripts, monitors, WebSocket handlers, tests);
    nor does a generator dependency that wraps another (`async for s in get_db(): yield
    Service(s)`), for an error FastAPI throws in at its `yield`.

    Repair: the rest of the block goes inside `async with get_db_session_context() as db:`; clean-up
    the `async with` now does (`await ctx.aclose()`, a second `anext(ctx, None)`, a `finally` that
    only closes the generator, or the session when the generator closes it) and `try/except
    Exception: raise` that only re-raises are removed. A loop becomes `async with get_db() as db:`
    with the same body, less the `break`s that ended it. A factory that is an
    `@asynccontextmanager` already (where `anext` raises TypeError today) is only opened with
    `async with`. The generator
    function gets `@contextlib.asynccontextmanager`. When it is also a FastAPI dependency
    (`Depends(f)`, directly or via an `Annotated` alias) or used as a generator anywhere else, it
    is left as it is and callers get a twin `f_context = asynccontextmanager(f)` instead. Tests that
    stand in for the generator (`ctx.__anext__` mocks, fake generators patched over it) are adapted.

    Left alone: real async iterators (generators yielding more than once or in a loop), generators
    defined outside the project, generators that run nothing after their `yield`, loops that
    resume their generator (no `break`/`return`, or a `continue`), `anext` inside loops or
    expressions. Reported for review: generator objects or sessions used elsewhere in the function
    (stored, returned, used after the loop), a `break` in the middle of a loop body, a loop with
    `else:`, generators that swallow errors around their `yield` or take `Depends(...)`
    parameters, and factories the model cannot find (a missing module, a name never imported).
    """

    name = "async-with"
    summary = "open unit-of-work sessions with `async with` instead of `await anext(...)`"
    safety = Safety.UNSAFE
    triggers = (b"anext", b"__anext__", b"async for")
    options: ClassVar[Mapping[str, Option]] = {
        "twin_name": Option(
            "{name}_context",
            "name of the context-manager twin created beside a generator that is also a FastAPI "
            "dependency; {name} is the generator's name ('{name}_cm' is tried when it is taken)",
            _twin_template,
        ),
    }
    example_before = (
        "db_context = get_db_session_context()\n"
        "db = await anext(db_context)\n"
        "try:\n"
        "    await AnalysisExecutor(db).start_run(run_uuid)\n"
        "except Exception:\n"
        "    raise\n"
    )
    example_after = (
        "async with get_db_session_context() as db:\n    await AnalysisExecutor(db).start_run(run_uuid)\n"
    )
    rationale = (
        "A session taken out of an async generator with `anext` is never given back: the "
        "generator's code after `yield` never runs, so the unit of work is never committed or "
        "rolled back and the connection is only returned to the pool when the garbage collector "
        "finalises the generator. `async with` runs that code deterministically."
    )
    behaviour_change = (
        "Sessions opened this way now run the generator's code after `yield`: the work is "
        "committed on success and rolled back on error, and the session is closed, where before "
        "neither commit nor rollback happened."
    )
    commit_subject = "open {sites} unit-of-work sessions with async with"

    def __init__(self, options: dict[str, object] | None = None) -> None:
        super().__init__(options)
        self.index = ProjectIndex([])
        self.factories: dict[str, FactoryPlan] = {}  # generators whose callers get `async with`
        self.verdicts: dict[str, LeaveAlone] = {}  # generators whose sites are left alone, and why
        self.candidate_paths: set[str] = set()
        # files the rewrite need not parse: their sites, each left alone
        self.reports: dict[str, list[Site]] = {}

    # -- plan (main process) ---------------------------------------------------------------------

    def plan(self, project: Project) -> None:
        model = project.model()
        site_files = project.files_containing(*self.triggers)
        self.candidate_paths = {source.relpath for source in site_files}
        self.reports = {}
        # Files that call `anext` are read with the stdlib ast, which names each site's generator
        # function. LibCST analyses sites only where it must: layouts the ast cannot tell apart, and
        # the users of functions that turn out to be units of work.
        pulling = [source for source in site_files if may_pull_anext(source.data)]
        sketches = {mapped.source.relpath: mapped.value for mapped in project.map(sketch_sites, pulling)}
        sites = {relpath: sketch.records() for relpath, sketch in sketches.items()}
        analysed = _analyse(
            project, sites, {relpath for relpath, sketch in sketches.items() if not sketch.exact}
        )
        users = _factory_users(project, model, sites)
        units = self._units_of_work(project, model, users)
        analysed |= _analyse(project, sites, {s.relpath for q in units for s, _ in users[q]} - analysed)
        users = _factory_users(project, model, {relpath: sites[relpath] for relpath in analysed})
        for qualified, unit in sorted(units.items()):
            uses = [(user.module, record) for user, record in users.get(qualified, [])]
            if not uses:
                continue  # each of its sites is the clean-up of another site
            try:
                self._plan_factory(project, model, qualified, unit, uses)
            except LeaveAlone as verdict:
                self.verdicts[qualified] = verdict
        self.index = model.index
        self._settle_reports(project, sites)
        # the files left to the rewrite resolve names there: their modules join the index
        model.load(
            f for f in project.files if f.relpath in self.candidate_paths and f.relpath not in self.reports
        )
        self.index = model.index

    def _units_of_work(
        self, project: Project, model: SemanticModel, users: Mapping[str, list[tuple[SourceFile, SiteRecord]]]
    ) -> dict[str, tuple[FunctionFacts, SourceFile, bool]]:
        """The functions sites pull from that are units of work; why each other one is not goes to
        `verdicts`."""
        units = {}
        for qualified in sorted(users):
            source, record = users[qualified][0]
            try:
                units[qualified] = self._unit_of_work(project, model, qualified, (source.module, record))
            except LeaveAlone as verdict:
                self.verdicts[qualified] = verdict
        return units

    def _unit_of_work(
        self, project: Project, model: SemanticModel, qualified: str, use: tuple[str, SiteRecord]
    ) -> tuple[FunctionFacts, SourceFile, bool]:
        """The project's generator function `qualified`, its module, and whether it is an async
        context manager already (`@asynccontextmanager`), if it is a unit of work."""
        function = model.index.function(qualified)
        if function is None:
            module, record = use
            values = model.values(module, record.factory or "", record.line)
            missing = [value.name for value in values if value.kind == "missing"]
            if missing:
                raise LeaveAlone(f"the model cannot find `{record.factory}`: {missing[0]}")
            if any(value.kind == "external" for value in values):
                raise Skip(f"`{qualified}` is defined outside this project (third-party or built-in)")
            raise Skip(f"`{qualified}` is not a module-level function of this project")
        if not (function.is_async and function.yields):
            raise Skip(f"`{function.name}` is not an async generator function")
        module = function.qualified[: -len(function.name) - 1]
        source = project.find_module(module)
        definition = top_level_definition(source.ast, function.name) if source else None
        if source is None or definition is None:
            raise LeaveAlone(f"`{function.name}` is defined conditionally or more than once")
        if takes_dependencies(definition):
            raise LeaveAlone(
                f"`{function.name}` takes FastAPI `Depends(...)` parameters: called by hand it gets the "
                "markers, not the dependencies"
            )
        decorators = [model.resolve(module, decorator_name(d), d.lineno) for d in definition.decorator_list]
        if decorators == [ASYNCCONTEXTMANAGER]:
            return function, source, True  # `anext` on it raises TypeError today: `async with` is the fix
        check_unit_of_work(definition)
        if not runs_code_after_yield(definition):
            raise Skip(
                f"`{function.name}` runs nothing after its `yield`: not resuming it skips no commit, "
                "rollback or close"
            )
        return function, source, False

    def _plan_factory(
        self,
        project: Project,
        model: SemanticModel,
        qualified: str,
        unit: tuple[FunctionFacts, SourceFile, bool],
        sites: list[tuple[str, SiteRecord]],
    ) -> None:
        function, source, already = unit
        module = source.module
        self.candidate_paths.add(source.relpath)
        rewritable = {
            (module_name, r.call_line, r.call_column) for module_name, r in sites if r.problem is None
        }
        if not rewritable:
            self.verdicts[qualified] = LeaveAlone("")  # a unit of work: each site says why it stays
            return
        definition = top_level_definition(source.ast, function.name)
        closes = definition is not None and closes_what_it_yields(definition)
        if already:
            self.factories[qualified] = FactoryPlan(
                qualified, module, function.name, ALREADY, "", None, closes_session=closes
            )
            return
        decorator, decorator_import = decorator_spelling(model.index.modules[module])
        plan = FactoryPlan(qualified, module, function.name, DECORATE, decorator, decorator_import)
        why_twin = self._why_twin(project, model, plan, rewritable)
        if why_twin:
            twin, exists = self._twin_name(source.ast, function.name)
            plan = FactoryPlan(
                qualified, module, function.name, TWIN, decorator, decorator_import, twin, exists, why_twin
            )
        self.factories[qualified] = replace(plan, closes_session=closes)

    def _settle_reports(self, project: Project, sites: dict[str, list[SiteRecord]]) -> None:
        """Reports of the files where the rewrite would change nothing, worked out here so the
        rewrite need not parse them: every site left alone, no definition or test double to adapt."""
        defining = {plan.module for plan in self.factories.values()}
        for source in project.files:
            if source.relpath not in self.candidate_paths or source.module in defining:
                continue
            if self.factories and source.contains(b"patch", b"setattr"):
                continue  # test doubles may need adapting
            reports = []
            for site in sites.get(source.relpath, []):
                try:
                    self._factory_for(source.module, site.factory, site.problem, site.line, site.quiet)
                    break  # a site to rewrite
                except LeaveAlone as reason:
                    report = _left_alone(site.line, site.column, reason, site.loop)
                    reports.extend([report] if report else [])
            else:
                self.reports[source.relpath] = reports

    def _why_twin(
        self,
        project: Project,
        model: SemanticModel,
        plan: FactoryPlan,
        rewritable: set[tuple[str, int, int]],
    ) -> str:
        """Why the function must stay a generator ("" when it can become a context manager)."""
        for reference in self._references(project, model, plan):
            where = f"{model.index.modules[reference.module].relpath}:{reference.line}"
            if reference.kind == "dependency":
                return f"it is a FastAPI dependency ({where})"
            if reference.kind == "other" or (
                reference.kind == "call"
                and (reference.module, reference.line, reference.column) not in rewritable
            ):
                return f"it is also used as a generator ({where})"
        return ""

    def _references(self, project: Project, model: SemanticModel, plan: FactoryPlan) -> list[Reference]:
        """Every use of the function in the project, under any name it is imported or aliased as."""
        names = {plan.name}
        while True:
            files = project.files_containing(*(name.encode() for name in sorted(names)))
            model.load(files)
            bound = model.names_bound_to(plan.qualified)
            if bound <= names:
                break
            names |= bound
        self.candidate_paths.update(source.relpath for source in files)
        scan = project.map(partial(find_references, frozenset(names)), files)
        found = [reference for mapped in scan for reference in mapped.value]
        return [ref for ref in found if model.resolve(ref.module, ref.dotted, ref.line) == plan.qualified]

    def _twin_name(self, tree: ast.Module, name: str) -> tuple[str, bool]:
        for twin in (self.settings["twin_name"].format(name=name), f"{name}_cm"):
            exists = existing_twin(tree, twin, name)
            if exists is not None:
                return twin, exists
        raise LeaveAlone(
            f"`{name}` needs a context-manager twin, but its name is taken: set option twin_name"
        )

    def candidates(self, project: Project) -> Iterable[SourceFile]:
        return [
            source
            for source in project.files
            if source.relpath in self.candidate_paths and self.reports.get(source.relpath) != []
        ]

    # -- rewrite (worker processes) --------------------------------------------------------------

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        if source.relpath in self.reports:
            return FileRewrite(None, list(self.reports[source.relpath]))
        edits = FileEdits()
        self._plan_sites(source, edits)
        self._plan_definitions(source, edits)
        TestDoubles(self, source).plan(edits)
        if not edits:
            return FileRewrite(None, edits.reports) if edits.reports else None
        rewriter = FileRewriter(edits)
        # only the statements holding an edited node are visited inside
        edited = [source.lines.start(node) for node in rewriter.edited_nodes()]
        module = visit_near(source.cst, rewriter, source.lines, edited)
        module = add_imports_in_style(module, edits.imports, source.module)
        return FileRewrite(source.code_of(module), edits.reports)

    def _plan_sites(self, source: SourceFile, edits: FileEdits) -> None:
        if not source.contains(b"anext", b"async for"):
            return
        sites, _ = find_sites(source)
        facts = module_facts(source)
        for site in sites:
            try:
                plan = self._factory_for(source.module, site.factory, site.problem, site.line, site.quiet)
                _take_over_session_closes(site, plan)
                call = self._opener_call(source, facts, site, plan, edits)
            except LeaveAlone as reason:
                report = _left_alone(site.line, site.column, reason, site.loop is not None)
                edits.reports.extend([report] if report else [])
                continue
            if site.loop is not None:
                edits.loops[site.loop] = (site, call)
                before = "the loop left the generator suspended, so neither ran"
            else:
                edits.sites[site.statement] = (site, call)  # type: ignore[index]
                before = "neither"
            message = (
                f"session from `{plan.name}` now opened with `async with {plan.opener}()`: the code after its "
                f"`yield` now runs, committing on success and rolling back on error (before: {before}), and closing"
            )
            edits.reports.append(Site(site.line, site.column + 1, Action.CHANGED, message))

    def _factory_for(
        self, module: str, factory: str | None, problem: str | None, line: int, quiet: bool = False
    ) -> FactoryPlan:
        """The plan of the generator function a site pulls from; raises why the site stays otherwise."""
        if factory is None or quiet:
            raise Skip(problem or "not a generator call")
        qualified = self.index.resolve(module, factory, line)
        verdict = self.verdicts.get(qualified)
        if verdict is not None and str(verdict):
            raise verdict
        if problem is not None:
            raise LeaveAlone(f"`{factory}` is a unit-of-work generator, but {problem}")
        if qualified not in self.factories:
            raise Skip(f"`{factory}` is not a generator function of this project")
        return self.factories[qualified]

    def _opener_call(
        self, source: SourceFile, facts: ModuleFacts, site: SiteMatch, plan: FactoryPlan, edits: FileEdits
    ) -> cst.Call:
        """The factory call for `async with`: the same call, or the same call of the twin."""
        call = site.factory_call
        assert call is not None
        if plan.mode != TWIN:
            return call
        twin = cst.Name(plan.twin)
        if plan.module == source.module:
            return call.with_changes(func=twin)
        if (
            isinstance(call.func, cst.Attribute)
            and self.index.resolve(source.module, dotted(call.func.value) or "") == plan.module
        ):
            return call.with_changes(func=call.func.with_changes(attr=twin))
        bound = facts.imports.get(plan.twin) or facts.aliases.get(plan.twin)
        if bound is None and (plan.twin in facts.functions or plan.twin in facts.classes):
            bound = "(defined here)"
        if bound is not None and self.index.canonical(bound) != f"{plan.module}.{plan.twin}":
            raise LeaveAlone(f"`{plan.twin}` already names something else in this module")
        if bound is None:
            self._import_twin(source, call, plan, edits)
        return call.with_changes(func=twin)

    def _import_twin(self, source: SourceFile, call: cst.Call, plan: FactoryPlan, edits: FileEdits) -> None:
        """Beside the import of the function when it comes from the defining module (the one inside
        the calling function when it imports it there), else a new module-level import."""
        local = call.func.value if isinstance(call.func, cst.Name) else None
        finder = Ancestry(lambda node: node is call or isinstance(node, cst.ImportFrom))
        walk(source.cst, finder)
        around_call = next((ancestors for node, ancestors in finder.found if node is call), ())
        visible = [
            (node, ancestors)
            for node, ancestors in finder.found
            if isinstance(node, cst.ImportFrom)
            and local
            and self._imports_from(source, node, plan.module, local)
            and all(a in around_call for a in ancestors if isinstance(a, (cst.FunctionDef, cst.ClassDef)))
        ]
        if visible:
            node, _ = max(visible, key=lambda found: len(found[1]))  # the innermost import wins
            edits.import_names[node] = (local, plan.twin, self._only_used_by_sites(source, local, edits, call))  # type: ignore[index]
            return
        edits.imports.append(ImportSpec(plan.module, plan.twin))

    @staticmethod
    def _imports_from(source: SourceFile, node: cst.ImportFrom, module: str, name: str) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        target = resolve_relative(
            source.module, source.is_package, len(node.relative), dotted(node.module) if node.module else None
        )
        return target == module and any(_bound_name(alias) == name for alias in node.names)

    @staticmethod
    def _only_used_by_sites(source: SourceFile, local: str, edits: FileEdits, call: cst.Call) -> bool:
        """Will the imported function be unused once the sites call the twin?"""
        opened = [*edits.sites.values(), *edits.loops.values()]
        replaced = {site.factory_call.func for site, _ in opened if site.factory_call} | {call.func}
        for name, ancestors in name_references(source.cst, {local}):
            if name not in replaced and not any(
                isinstance(a, (cst.Import, cst.ImportFrom)) for a in ancestors
            ):
                return False
        return True

    def _plan_definitions(self, source: SourceFile, edits: FileEdits) -> None:
        for plan in self.factories.values():
            if plan.module != source.module:
                continue
            definition = next(
                (s for s in source.cst.body if isinstance(s, cst.FunctionDef) and s.name.value == plan.name),
                None,
            )
            line = top_level_definition(source.ast, plan.name)
            if definition is None or line is None or plan.mode == ALREADY or (plan.mode == TWIN and plan.twin_exists):
                continue
            if plan.decorator_import is not None:
                edits.imports.append(plan.decorator_import)
            if plan.mode == DECORATE:
                edits.decorate[definition] = plan.decorator
                message = (
                    f"`{plan.name}` decorated with @{plan.decorator}: its callers open it with `async with`"
                )
            elif not plan.twin_exists:
                edits.twins_after[definition] = f"{plan.twin} = {plan.decorator}({plan.name})\n"
                message = f"`{plan.name}` kept as a generator ({plan.why_twin}); callers use the new twin `{plan.twin}`"
            edits.reports.append(Site(line.lineno, line.col_offset + 1, Action.CHANGED, message))


MOCK_FACTORIES = frozenset({"MagicMock", "AsyncMock"})  # mocks that support `async with` once configured
PATCH_VALUE_KEYWORDS = ("new", "side_effect", "return_value")


@dataclass(eq=False)
class Patch:
    """`patch("pkg.mod.f", ...)`, `patch.object(mod, "f", ...)` or `monkeypatch.setattr(...)` of a
    rewritten generator function, seen in one scope of a test module."""

    call: cst.Call
    scope: cst.CSTNode
    plan: FactoryPlan
    value: cst.BaseExpression | None  # what stands in for the function (None: a MagicMock is made)
    keyword: str  # "new", "side_effect" or "return_value"
    mock_name: str | None  # `with patch(...) as mock_name` / `mock_name = mocker.patch(...)`


class TestDoubles:
    """Adapts a project's tests that drive the old protocol of a rewritten generator function.

    Only doubles provably standing in for it are touched: a patch of the function in the same
    scope supplies them (`return_value=ctx`, `new=fake`, `side_effect=fake`, `lambda: ctx`, or the
    patch's own mock). Then `ctx.__anext__` mocks become `ctx.__aenter__`, and fake async
    generators get `@asynccontextmanager`. Other `__anext__` mocks beside such a patch are reported.
    """

    def __init__(self, transform: AsyncWithSessions, source: SourceFile) -> None:
        self.transform = transform
        self.source = source
        self.positions: Callable[[cst.CSTNode], CodeRange] | None = None

    def plan(self, edits: FileEdits) -> None:
        if not self.transform.factories or not self.source.contains(b"patch", b"setattr"):
            return
        finder = Ancestry(lambda node: isinstance(node, (cst.Call, cst.Assign)))
        walk(self.source.cst, finder)
        patches = [p for node, ancestors in finder.found if (p := self._patch(node, ancestors)) is not None]
        if not patches:
            return
        self.positions = self.source.lines.positions.__getitem__  # shared with every other reader of this tree
        connected: dict[cst.CSTNode, set[str]] = {}
        for patch in patches:
            try:
                connected.setdefault(patch.scope, set()).update(self._adapt_patch(patch, edits))
            except LeaveAlone as reason:
                self._report(edits, patch.call, Action.REVIEW, f"left alone: {reason}")
        for node, ancestors in finder.found:
            self._adapt_anext_mock(node, ancestors, connected, edits)

    # -- patches ---------------------------------------------------------------------------------

    def _patch(self, node: cst.CSTNode, ancestors: Ancestors) -> Patch | None:
        if not isinstance(node, cst.Call) or not (callee := dotted(node.func)):
            return None
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        strings = [p.evaluated_value if isinstance(p, cst.SimpleString) else None for p in positional[:2]]
        if callee.rsplit(".", 1)[-1] in {"patch", "setattr"} and strings and strings[0]:
            target, value = strings[0], positional[1] if len(positional) > 1 else None
        elif callee.endswith(("patch.object", "setattr")) and len(strings) == 2 and strings[1]:
            owner = dotted(positional[0])
            if owner is None:
                return None
            target = f"{self.transform.index.resolve(self.source.module, owner)}.{strings[1]}"
            value = positional[2] if len(positional) > 2 else None
        else:
            return None
        plan = self.transform.factories.get(self.transform.index.canonical(target))
        if plan is None:
            return None
        keyword = "new"
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in PATCH_VALUE_KEYWORDS:
                keyword, value = arg.keyword.value, arg.value
        scope = next((a for a in reversed(ancestors) if isinstance(a, cst.FunctionDef)), self.source.cst)
        return Patch(node, scope, plan, value, keyword, _mock_bound_to(node, ancestors))

    def _adapt_patch(self, patch: Patch, edits: FileEdits) -> set[str]:
        """Decorate a fake generator passed in; return the names of mocks that stand in for the
        generator object the function returns."""
        if patch.plan.mode == TWIN:
            raise LeaveAlone(
                f"patches `{patch.plan.name}`, but its callers now use the twin `{patch.plan.twin}`: patch that instead"
            )
        value = patch.value
        if isinstance(value, cst.Lambda):
            value = value.body
            if isinstance(value, cst.Call) and not value.args:
                value = value.func  # `lambda: fake()`: the fake is what gets called
            elif isinstance(value, cst.Name):
                return {value.value}
        if value is None:
            return {f"{patch.mock_name}.return_value"} if patch.mock_name else set()
        if patch.keyword == "return_value":
            return {dotted(value)} - {None}  # type: ignore[return-value]
        if isinstance(value, cst.Name):
            fake = self._function_named(value.value, patch.scope)
            if fake is None:
                return {f"{value.value}.return_value"} if patch.keyword == "new" else set()
            self._decorate_fake(fake, patch, edits)
        return set()

    def _function_named(self, name: str, scope: cst.CSTNode) -> cst.FunctionDef | None:
        for body in (_statements_of(scope), self.source.cst.body):
            for statement in body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
                    return statement
        return None

    def _decorate_fake(self, fake: cst.FunctionDef, patch: Patch, edits: FileEdits) -> None:
        definition = ast.parse(code_for_node(fake)).body[0]
        if not isinstance(definition, ast.AsyncFunctionDef):
            raise LeaveAlone(
                f"`{fake.name.value}` stands in for `{patch.plan.name}` but is not an async generator"
            )
        if any("asynccontextmanager" in (dotted_name(d) or "") for d in definition.decorator_list):
            return  # adapted already
        check_unit_of_work(definition)
        decorator, needed_import = decorator_spelling(module_facts(self.source))
        edits.decorate[fake] = decorator
        edits.imports.extend([needed_import] if needed_import else [])
        message = f"stand-in for `{patch.plan.name}` decorated with @{decorator}, as the function now is"
        self._report(edits, fake, Action.CHANGED, message)

    # -- `ctx.__anext__` mocks -------------------------------------------------------------------

    def _adapt_anext_mock(
        self,
        node: cst.CSTNode,
        ancestors: Ancestors,
        connected: dict[cst.CSTNode, set[str]],
        edits: FileEdits,
    ) -> None:
        protocol = _anext_protocol_name(node)
        if protocol is None:
            return
        mock, attribute = protocol
        scope = next((a for a in reversed(ancestors) if isinstance(a, cst.FunctionDef)), self.source.cst)
        if mock not in connected.get(scope, set()):
            if scope in connected:
                self._report(
                    edits,
                    node,
                    Action.REVIEW,
                    "left alone: cannot tell whether this `__anext__` mock stands in for a rewritten generator",
                )
            return
        if "." not in mock and not _created_by_mock_factory(scope, mock):
            self._report(
                edits,
                node,
                Action.REVIEW,
                f"left alone: `{mock}` is not a MagicMock/AsyncMock, which `async with` needs",
            )
            return
        edits.renames[attribute] = "__aenter__"
        self._report(
            edits,
            node,
            Action.CHANGED,
            f"`{mock}.__anext__` mock moved to `__aenter__`: the code now uses `async with`",
        )

    def _report(self, edits: FileEdits, node: cst.CSTNode, action: Action, message: str) -> None:
        assert self.positions is not None
        start = self.positions(node).start
        edits.reports.append(Site(start.line, start.column + 1, action, message))


def _mock_bound_to(call: cst.Call, ancestors: Ancestors) -> str | None:
    """`m` in `with patch(...) as m`, `m = mocker.patch(...)` or `m = patch(...).start()`."""
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, cst.WithItem) and ancestor.item is call and ancestor.asname is not None:
            return dotted(ancestor.asname.name)  # type: ignore[arg-type]
        if isinstance(ancestor, cst.Assign) and len(ancestor.targets) == 1:
            value = ancestor.value
            started = (
                isinstance(value, cst.Call)
                and isinstance(value.func, cst.Attribute)
                and value.func.value is call
            )
            if value is call or started:
                return dotted(ancestor.targets[0].target)
        if isinstance(ancestor, cst.BaseStatement):
            return None
    return None


def _anext_protocol_name(node: cst.CSTNode) -> tuple[str, cst.Name] | None:
    """(mock, the `__anext__` name) for `mock.__anext__ = ...` or `mock.__anext__.return_value = ...`."""
    if not isinstance(node, cst.Assign) or len(node.targets) != 1:
        return None
    target = node.targets[0].target
    if isinstance(target, cst.Attribute) and target.attr.value in {"return_value", "side_effect"}:
        target = target.value
    if (
        isinstance(target, cst.Attribute)
        and target.attr.value == "__anext__"
        and (mock := dotted(target.value))
    ):
        return mock, target.attr
    return None


def _created_by_mock_factory(scope: cst.CSTNode, name: str) -> bool:
    for statement in _statements_of(scope):
        call = _creation_call(statement, name)
        if call is not None:
            return (dotted(call.func) or "").rsplit(".", 1)[-1] in MOCK_FACTORIES
    return False


def _statements_of(scope: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = scope.body if isinstance(scope, cst.Module) else getattr(scope.body, "body", ())  # type: ignore[attr-defined]
    return body
