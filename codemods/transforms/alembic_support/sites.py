"""Finding `create_all` calls with LibCST (qualified names, parents, positions), and the edits that
replace or remove them."""

from __future__ import annotations

import ast
import functools
import re
import sys
from dataclasses import dataclass
from typing import Callable, Collection, Iterable, Mapping, Sequence, Union  # noqa: UP035

import libcst as cst
from fixit_codemods.ast_walk import walk_ast
from fixit_codemods.codegen import code_for_node
from fixit_codemods.cst_helpers import StatementTransformer, unused_aliases
from fixit_codemods.index import resolve_relative, sibling_target
from fixit_codemods.metadata import Metadata
from fixit_codemods.sources import SourceError, SourceFile
from fixit_codemods.transforms.alembic_support.callers import (
    CONDITION_GUARD,
    LOOP_GUARD,
    MAIN_GUARD,
    NO_GUARD,
)
from fixit_codemods.walk import walk, walk_with_metadata
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    PositionProvider,
    QualifiedName,
    QualifiedNameSource,
    ScopeProvider,
)

CONNECTION_METHODS = frozenset({"begin", "connect"})
SCHEMA_METHODS = frozenset({"create_all", "drop_all"})
CONDITION_NODES = (cst.If, cst.While, cst.Match, cst.IfExp, cst.ExceptHandler, cst.ExceptStarHandler)
LOOP_NODES = (cst.For, cst.CompFor)
FunctionOrLambda = Union[cst.FunctionDef, cst.Lambda]
Canonical = Callable[[str], str]


@dataclass(frozen=True)
class SiteFacts:
    """One `create_all` call, as plan needs it (picklable)."""

    line: int
    column: int
    scope: str  # qualified name of the enclosing function, "" at module level
    scope_is_async: bool
    guard: str  # NO_GUARD, CONDITION_GUARD, LOOP_GUARD or MAIN_GUARD
    receiver: str | None  # canonical name of the metadata expression, None when it does not resolve
    receiver_text: str  # as written, for messages
    engine: str | None  # canonical name of the engine used, when it resolves
    problem: str  # why this shape cannot be rewritten safely ("" when it can)
    drops_schema: bool  # the same function also calls drop_all: a reset on every start
    target_line: int  # first line of the statement (or engine `with` block) the site occupies
    target_at_body_top: bool  # the target is a statement directly in the function body
    via_run_sync: bool  # `await conn.run_sync(metadata.create_all)`: an async engine
    is_drop: bool = False  # a `drop_all` call: removed with the create_all of its function, never alone


@dataclass
class FoundSite:
    facts: SiteFacts
    target: cst.BaseStatement | None  # what an edit replaces or removes
    # when the target is a `with engine.begin()` block that also logs or prints: its statements,
    # which the edit keeps in place around the replacement
    block: tuple[cst.BaseStatement, ...] = ()


def is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left, right = test.left, test.comparisons[0].comparator
    texts = {get_full_name_for_node(left), get_full_name_for_node(right)}
    strings = [n.evaluated_value for n in (left, right) if isinstance(n, cst.SimpleString)]
    return (
        "__name__" in texts
        and strings == ["__main__"]
        and isinstance(test.comparisons[0].operator, cst.Equal)
    )


def statement_call(statement: cst.BaseStatement) -> cst.Call | None:
    """The call of a statement that is nothing but `[await] call(...)`."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Expr):
        return None
    value = small.value.expression if isinstance(small.value, cst.Await) else small.value
    return value if isinstance(value, cst.Call) else None


def is_schema_statement(statement: cst.BaseStatement) -> bool:
    """`[await] metadata.create_all(...)` or `[await] conn.run_sync(metadata.create_all)` (or
    drop_all): what the repair takes out of a `with engine.begin()` block."""
    call = statement_call(statement)
    if call is None or not isinstance(call.func, cst.Attribute):
        return False
    if call.func.attr.value in SCHEMA_METHODS:
        return True
    handed = call.args[0].value if call.args else None
    return (
        call.func.attr.value == "run_sync"
        and isinstance(handed, cst.Attribute)
        and handed.attr.value in SCHEMA_METHODS
    )


LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


def connection_names(node: cst.With) -> set[str]:
    return {
        item.asname.name.value
        for item in node.items
        if item.asname is not None and isinstance(item.asname.name, cst.Name)
    }


def is_harmless_statement(statement: cst.BaseStatement, connection: set[str]) -> bool:
    """`print(...)` or `logger.info(...)` that does not touch the block's connection: work that
    stays correct outside the transaction once create_all leaves it."""
    call = statement_call(statement)
    if call is None:
        return False
    callee = get_full_name_for_node(call.func) or ""
    head, _, method = callee.rpartition(".")
    is_log = method in LOG_METHODS and ("log" in head.lower() or head == "logging")
    if callee != "print" and not is_log:
        return False
    return not names_used_in([call]) & connection


class _Finder(cst.CSTVisitor):
    # Every parent a site asks for is an ancestor of the call being visited: the stack of nodes
    # being visited answers, where ParentNodeProvider would map every node of the file first.
    # Qualified names are asked of the scope for the few nodes that need one: QualifiedNameProvider
    # would attach them to every node of the file.
    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)

    def __init__(self, source: SourceFile, canonical: Canonical) -> None:
        super().__init__()
        self.source = source
        self.canonical = canonical
        self.found: list[FoundSite] = []
        self.dropping_scopes: set[str] = set()
        self.ancestry: list[cst.CSTNode] = []  # the node being visited last, the module first

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.ancestry.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self.ancestry.pop()

    def parent_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The parent of `node`, which is the visited node or one of its ancestors."""
        for position in range(len(self.ancestry) - 1, 0, -1):
            if self.ancestry[position] is node:
                return self.ancestry[position - 1]
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute):
            return
        method = node.func.attr.value
        if method in ("create_all", "drop_all"):
            self.take(node, node.func.value, method, self.engine_argument(node), via_run_sync=False)
        elif method == "run_sync" and node.args and isinstance(node.args[0].value, cst.Attribute):
            handed = node.args[0].value
            if handed.attr.value in ("create_all", "drop_all"):
                self.take(node, handed.value, handed.attr.value, node.func.value, via_run_sync=True)

    @staticmethod
    def engine_argument(node: cst.Call) -> cst.BaseExpression | None:
        for argument in node.args:
            if argument.keyword is None or argument.keyword.value == "bind":
                return argument.value
        return None

    def take(
        self,
        call: cst.Call,
        receiver: cst.BaseExpression,
        method: str,
        bind: cst.BaseExpression | None,
        via_run_sync: bool,
    ) -> None:
        scope_node, scope = self.scope_of(call)
        if method == "drop_all":
            self.dropping_scopes.add(scope)
        position = self.get_metadata(PositionProvider, call).start
        statement = self.enclosing_statement(call)
        target, problem = self.target_of(call, statement)
        if any(a.keyword is not None and a.keyword.value == "tables" for a in call.args):
            problem = "it creates only some tables (`tables=`)"
        if isinstance(scope_node, cst.Lambda):
            problem = "it sits inside a lambda"
        target_line = self.get_metadata(PositionProvider, target).start.line if target else position.line
        block = kept_block(target)
        facts = SiteFacts(
            line=position.line,
            column=position.column,
            scope=scope,
            scope_is_async=isinstance(scope_node, cst.FunctionDef) and scope_node.asynchronous is not None,
            guard=self.guard_of(call),
            receiver=self.qualified(receiver),
            receiver_text=code_for_node(receiver),
            engine=self.engine_of(bind, call),
            problem=problem,
            drops_schema=False,
            target_line=target_line,
            # a block that keeps its logging leaves the function with statements after the edit
            target_at_body_top=self.is_body_statement(target, scope_node) and not block,
            via_run_sync=via_run_sync,
            is_drop=method == "drop_all",
        )
        self.found.append(FoundSite(facts, target, block))


    def is_body_statement(self, target: cst.BaseStatement | None, scope: FunctionOrLambda | None) -> bool:
        if target is None or not isinstance(scope, cst.FunctionDef):
            return False
        return isinstance(scope.body, cst.IndentedBlock) and any(s is target for s in scope.body.body)

    # -- where the call sits ----------------------------------------------------------------

    def parents(self, node: cst.CSTNode) -> Iterable[cst.CSTNode]:
        while True:
            parent = self.parent_of(node)
            if parent is None:
                return
            yield parent
            node = parent

    def scope_of(self, node: cst.CSTNode) -> tuple[FunctionOrLambda | None, str]:
        innermost: FunctionOrLambda | None = None
        names: list[str] = []
        for parent in self.parents(node):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)) and innermost is None:
                innermost = parent
            if isinstance(parent, (cst.FunctionDef, cst.ClassDef)):
                names.insert(0, parent.name.value)
        if innermost is None:
            return None, ""
        return innermost, ".".join(filter(None, [self.source.module, *names]))

    def guard_of(self, node: cst.CSTNode) -> str:
        guards: set[str] = set()
        child = node
        for parent in self.parents(node):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                break
            if isinstance(parent, cst.If) and child is not parent.test:
                at_top = isinstance(self.parent_of(parent), cst.Module)
                main = at_top and child is parent.body and is_main_guard(parent.test)
                guards.add(MAIN_GUARD if main else CONDITION_GUARD)
            elif isinstance(parent, CONDITION_NODES):
                guards.add(CONDITION_GUARD)
            elif isinstance(parent, LOOP_NODES):
                guards.add(LOOP_GUARD)
            child = parent
        for guard in (MAIN_GUARD, LOOP_GUARD, CONDITION_GUARD):
            if guard in guards:
                return guard
        return NO_GUARD

    def enclosing_statement(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        for parent in self.parents(node):
            if isinstance(parent, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return parent
        return None

    def target_of(
        self, call: cst.Call, statement: cst.BaseStatement | None
    ) -> tuple[cst.BaseStatement | None, str]:
        """The statement to replace: the call's own statement, or the `with engine.begin()` block
        around it when that block does nothing else."""
        if statement is None or statement_call(statement) is not call:
            return None, "its result is used in a larger statement"
        block = self.parent_of(statement)
        with_node = self.parent_of(block) if block is not None else None
        if not isinstance(with_node, cst.With) or not self.is_connection_block(with_node):
            return statement, ""
        connection = connection_names(with_node)
        if all(
            is_schema_statement(s) or is_harmless_statement(s, connection) for s in with_node.body.body
        ):
            return with_node, ""
        return None, "its `with engine.begin()` block does other work too"

    @staticmethod
    def is_connection_block(node: cst.With) -> bool:
        return all(
            isinstance(item.item, cst.Call)
            and isinstance(item.item.func, cst.Attribute)
            and item.item.func.attr.value in CONNECTION_METHODS
            for item in node.items
        )

    # -- what the names mean ----------------------------------------------------------------

    def qualified(self, node: cst.BaseExpression) -> str | None:
        scope = self.get_metadata(ScopeProvider, node, None)
        names: Collection[QualifiedName] = scope.get_qualified_names_for(node) if scope is not None else ()
        for name in sorted(names, key=lambda n: n.name):
            if name.source is QualifiedNameSource.IMPORT:
                return self.canonical(sibling_target(self.source, self.absolute(name.name)))
            if name.source is QualifiedNameSource.LOCAL and "<locals>" not in name.name:
                return self.canonical(
                    f"{self.source.module}.{name.name}" if self.source.module else name.name
                )
        return None

    def absolute(self, name: str) -> str:
        level = len(name) - len(name.lstrip("."))
        if not level:
            return name
        return resolve_relative(self.source.module, self.source.is_package, level, name[level:])

    def engine_of(self, bind: cst.BaseExpression | None, call: cst.Call) -> str | None:
        """The engine behind `bind`: itself, or `X` when bind is the `conn` of `with X.begin() as conn`."""
        if bind is None:
            return None
        if isinstance(bind, cst.Name):
            for parent in self.parents(call):
                if isinstance(parent, cst.With):
                    for item in parent.items:
                        alias = item.asname.name if item.asname else None
                        if (
                            isinstance(alias, cst.Name)
                            and alias.value == bind.value
                            and isinstance(item.item, cst.Call)
                        ):
                            func = item.item.func
                            return self.qualified(func.value) if isinstance(func, cst.Attribute) else None
        return self.qualified(bind)


def kept_block(target: cst.BaseStatement | None) -> tuple[cst.BaseStatement, ...]:
    """A `with` block's statements when it does more than the schema calls (logging, prints)."""
    if not isinstance(target, cst.With) or not isinstance(target.body, cst.IndentedBlock):
        return ()
    statements = tuple(target.body.body)
    return statements if not all(is_schema_statement(s) for s in statements) else ()


def _as_written(name: str) -> str:
    return name


def find_sites(source: SourceFile, canonical: Canonical = _as_written) -> list[FoundSite]:
    """Every `create_all` and `drop_all` call in `source`; a create_all knows when its function
    also drops the schema. The plan and the rewrite both ask: the second asks the same tree, and is
    given the first answer."""
    if canonical is _as_written:
        return source.derived("alembic.sites", lambda: _find_sites(source, canonical))
    return _find_sites(source, canonical)


def sites_to_edit(source: SourceFile) -> list[FoundSite]:
    """`find_sites(source)` for the rewrite, without the whole file's metadata where it can: the
    sites are those found on the reduced copy (as for the plan: see `site_facts_of`), and each
    target is then taken from the file's own tree: the one statement starting on the same line, of
    the same type, written the same (the copy keeps those lines as they are). Any target that
    cannot be matched so sends the whole file to `find_sites`."""
    reduced = _sites_on_reduced_copy(source)
    if reduced is None:
        return find_sites(source)
    stand_in, found = reduced
    located: list[FoundSite] = []
    for site in found:
        target = _same_statement(source, stand_in, site.target, site.facts.target_line)
        if site.target is not None and target is None:
            return find_sites(source)
        located.append(FoundSite(site.facts, target, kept_block(target)))
    return located


def _same_statement(
    source: SourceFile, stand_in: SourceFile, node: cst.BaseStatement | None, line: int
) -> cst.BaseStatement | None:
    if node is None:
        return None
    starting = source.lines.statements_at(line)
    written = code_for_node(node, stand_in.cst)
    matches = [
        other for other in starting or ()
        if type(other) is type(node) and code_for_node(other, source.cst) == written
    ]
    return matches[0] if len(matches) == 1 else None  # type: ignore[return-value]


def site_facts_of(source: SourceFile) -> list[SiteFacts]:
    """The facts `find_sites` gives, from a copy of the file in which every function and class of
    the module (and method of a class) without a schema call is blank: positions and qualified names (LibCST metadata, the
    costly part) for the few functions that matter instead of the whole module. The plan asks
    this; only a file that is rewritten pays for its whole tree."""
    reduced = _sites_on_reduced_copy(source)
    return [found.facts for found in (reduced[1] if reduced is not None else find_sites(source))]


def _sites_on_reduced_copy(source: SourceFile) -> tuple[SourceFile, list[FoundSite]] | None:
    """(the reduced copy, the sites found on it), once per file and process: the plan and the
    rewrite both ask. None when nothing would be blanked, or the copy does not parse (the copy is
    a shortcut, never a new reason for a file to fail: the whole file is read instead)."""

    def compute() -> tuple[SourceFile, list[FoundSite]] | None:
        reduced = _without_unrelated_definitions(source)
        if reduced is None:
            return None
        stand_in = SourceFile(
            source.path, source.relpath, source.module, source.is_package, b"", (reduced, source.encoding)
        )
        try:
            return stand_in, _find_sites(stand_in, _as_written)
        except SourceError:
            return None

    return source.derived("alembic.reduced-sites", compute)


def _without_unrelated_definitions(source: SourceFile) -> str | None:
    """`source`'s text with each `def`/`class` of the module or of a class that holds no
    `create_all`/`drop_all` attribute (nor a `global` statement, which binds module names from
    inside) replaced by a line that binds its name, on its first line, and blank lines: every other
    line, and so every position and every module-level name, is as in the file. None when nothing
    would be blanked."""
    # Python's own line breaks: str.splitlines also breaks at a form feed or U+2028, which would
    # shift every line number after it
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", source.text)
    pending: list[ast.stmt] = list(source.ast.body)
    blanked = False
    while pending:
        node = pending.pop()
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if _matters(node):
            if isinstance(node, ast.ClassDef):  # its methods without a schema call go too
                pending.extend(node.body)
            continue
        first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
        indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip(" \t"))]
        for number in range(first, (node.end_lineno or node.lineno) + 1):
            line = lines[number - 1]
            lines[number - 1] = line[len(line.rstrip("\r\n")) :]
        lines[first - 1] = f"{indent}{node.name} = None{lines[first - 1] or source.newline}"
        blanked = True
    return "".join(lines) if blanked else None


def _matters(definition: ast.AST) -> bool:
    return any(
        (isinstance(node, ast.Attribute) and node.attr in SCHEMA_METHODS) or isinstance(node, ast.Global)
        for node in walk_ast(definition)
    )


def _find_sites(source: SourceFile, canonical: Canonical) -> list[FoundSite]:
    wrapper = source.metadata()
    finder = _Finder(source, canonical)
    walk_with_metadata(wrapper, finder)
    for site in finder.found:
        if site.facts.scope in finder.dropping_scopes:
            site.facts = SiteFacts(**{**site.facts.__dict__, "drops_schema": True})
    return finder.found


# -- editing ------------------------------------------------------------------------------------


class StatementEditor(StatementTransformer):
    """Replaces statements (by identity) with others, or removes them; a block left empty gets `pass`."""

    def __init__(self, edits: Mapping[int, Sequence[cst.BaseStatement]]) -> None:
        super().__init__()
        self.edits = edits
        self.removed: list[cst.CSTNode] = []

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[no-untyped-def]
        updated = super().on_leave(original_node, updated_node)
        replacement = self.edits.get(id(original_node))
        if replacement is None:
            return updated
        self.removed.append(original_node)
        if not replacement:
            return cst.RemoveFromParent()
        own_lines = tuple(getattr(replacement[0], "leading_lines", ()))
        first = replacement[0].with_changes(
            leading_lines=(*getattr(original_node, "leading_lines", ()), *own_lines)
        )
        if isinstance(original_node, cst.SimpleStatementLine) and isinstance(first, cst.SimpleStatementLine):
            # the replaced line's own comment stays with it
            first = first.with_changes(trailing_whitespace=original_node.trailing_whitespace)
        return cst.FlattenSentinel([first, *replacement[1:]])

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.body or not original_node.body:
            return updated_node
        return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def names_used_in(nodes: Iterable[cst.CSTNode]) -> set[str]:
    collector = _NameCollector()
    for node in nodes:
        walk(node, collector)
    return collector.names


@functools.lru_cache(maxsize=1)
def _unused_imports_gatherer() -> type:
    """LibCST's unused-import finder, also for `from . import module` (which it skips). Built on
    first use: libcst.codemod pulls in libcst.matchers (~0.2 s) at import."""
    from libcst.codemod.visitors import GatherUnusedImportsVisitor

    class GatherUnusedImports(GatherUnusedImportsVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            if node.module is None and not isinstance(node.names, cst.ImportStar):
                self.handle_import(node)
                return False
            return super().visit_ImportFrom(node)  # type: ignore[no-any-return]

    return GatherUnusedImports


def remove_imports_left_unused(module: cst.Module, names: set[str], source: SourceFile) -> cst.Module:
    """Remove the module's top-level imports of `names` that nothing uses any more. A removed
    statement's leading blank lines and comments pass to the next statement, keeping groups apart."""
    if not names:
        return module
    unused = _unused_top_level_imports(module, names)
    if unused is None:
        unused = _unused_imports_by_libcst(module, names, source)
    if not unused:
        return module
    body: list[cst.BaseStatement] = []
    carried: Sequence[cst.EmptyLine] = ()
    for statement in module.body:
        kept = _without_aliases(statement, unused)
        if kept is None:
            carried = carried or [line for line in statement.leading_lines if line.comment is None]  # type: ignore[attr-defined]
            continue
        if carried and not kept.leading_lines:  # type: ignore[attr-defined]
            kept = kept.with_changes(leading_lines=carried)
        carried = ()
        body.append(kept)
    return module.with_changes(body=body)


def _unused_top_level_imports(module: cst.Module, names: set[str]) -> set[int] | None:
    """What the gatherer below reports for the aliases the removal can touch (top-level import
    lines binding one of `names`), decided from one scope computation (`unused_aliases`)."""
    candidates = []
    for statement in module.body:
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        if isinstance(small, cst.Import) or (
            isinstance(small, cst.ImportFrom)
            and not isinstance(small.names, cst.ImportStar)
            and (small.module is None or small.module.value != "__future__")  # as the gatherer takes them
        ):
            candidates += [(alias, small) for alias in small.names if _bound_name(alias) in names]  # type: ignore[union-attr]
    return unused_aliases(module, candidates)


def _unused_imports_by_libcst(module: cst.Module, names: set[str], source: SourceFile) -> set[int]:
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    from libcst.codemod import CodemodContext

    gatherer_class = _unused_imports_gatherer()
    wrapper = Metadata(module)
    wrapper.resolve_many(gatherer_class.get_inherited_dependencies())
    gatherer = gatherer_class(
        CodemodContext(
            wrapper=wrapper, full_module_name=source.module or None, full_package_name=package or None
        )
    )
    wrapper.visit(gatherer)
    return {id(alias) for alias, _ in gatherer.unused_imports if _bound_name(alias) in names}


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return cst.ensure_type(alias.asname.name, cst.Name).value
    return alias.evaluated_name.split(".")[0]


def _without_aliases(statement: cst.BaseStatement, unused: set[int]) -> cst.BaseStatement | None:
    """The statement without the unused import names; None when nothing is left of it."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return statement
    small = statement.body[0]
    if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(small.names, cst.ImportStar):
        return statement
    kept = [alias for alias in small.names if id(alias) not in unused]
    if len(kept) == len(small.names):
        return statement
    if not kept:
        return None
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return statement.with_changes(body=[small.with_changes(names=kept)])


STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL_FOLDER = 1, 2, 3, 4


def _import_section(statement: cst.BaseStatement, first_party: set[str]) -> tuple[int, str] | None:
    """(isort section, module) of a top-level import statement; None for other statements."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        name = get_full_name_for_node(small.names[0].name) or ""
    elif isinstance(small, cst.ImportFrom):
        name = get_full_name_for_node(small.module) if small.module else ""
        if small.relative:
            return LOCAL_FOLDER, "." * len(small.relative) + (name or "")
    else:
        return None
    top = (name or "").split(".")[0]
    if top == "__future__":
        return 0, name or ""
    if top in first_party:
        return FIRST_PARTY, name or ""
    return (STDLIB if top in sys.stdlib_module_names else THIRD_PARTY), name or ""


def _bound_names(statement: cst.BaseStatement) -> set[str]:
    if not isinstance(statement, cst.SimpleStatementLine):
        return set()
    return {
        _bound_name(alias)
        for small in statement.body
        if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar)
        for alias in small.names
    }


def insert_import(module: cst.Module, statement_text: str, first_party: set[str]) -> cst.Module:
    """Add an import statement in its isort section, in order (unless its name is already bound)."""
    new = cst.parse_statement(statement_text)
    if _bound_names(new) & set().union(*(_bound_names(s) for s in module.body)):
        return module
    section, key = _import_section(new, first_party)  # type: ignore[misc]
    body = list(module.body)
    imports = [(i, found) for i, s in enumerate(body) if (found := _import_section(s, first_party))]
    if not imports:
        after_docstring = 1 if body and module.get_docstring() is not None else 0
        body.insert(after_docstring, new.with_changes(leading_lines=[cst.EmptyLine()] * after_docstring))
        return module.with_changes(body=body)
    same = [(i, name) for i, (other, name) in imports if other == section]
    if same:
        before = next((i for i, name in same if name > key), None)
        if before is None:
            body.insert(same[-1][0] + 1, new)
        else:
            _insert_before(body, before, new, separate=False)
    else:
        earlier = [i for i, (other, _) in imports if other < section]
        if earlier:
            body.insert(earlier[-1] + 1, new.with_changes(leading_lines=[cst.EmptyLine()]))
        else:
            _insert_before(body, imports[0][0], new, separate=True)
    return module.with_changes(body=body)


def _insert_before(body: list[cst.BaseStatement], index: int, new: cst.BaseStatement, separate: bool) -> None:
    """Insert `new` before body[index]: the blank lines above it move to `new`, its comments stay."""
    old = body[index]
    leading = list(old.leading_lines)  # type: ignore[attr-defined]
    blank = [line for line in leading if line.comment is None]
    comments = [line for line in leading if line.comment is not None]
    body[index] = old.with_changes(leading_lines=([cst.EmptyLine()] if separate else []) + comments)
    body.insert(index, new.with_changes(leading_lines=blank))
