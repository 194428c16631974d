"""The stdlib-AST check that runs before LibCST: does a file call `create_all` in a way that can
create a project's schema?

It mirrors the necessary conditions of `sites.find_sites` and `planning.classify`, erring on the
side of "yes": a `create_all` call matters only when its receiver ends in `metadata` (a site, or
one left for review) or names something that can resolve to a module-level `MetaData` object —
not a parameter or local variable of the function it sits in (LibCST qualifies those with
`<locals>`, and they never resolve). Library modules that only mention `create_all` in
docstrings, or call it on a `metadata` argument they were handed, never reach LibCST.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from fixit_codemods.ast_walk import child_nodes, walk_ast

SCHEMA_METHOD = "create_all"
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def has_candidate_site(tree: ast.Module) -> bool:
    # both shapes need an attribute `.create_all`: a quick walk rules out most files (the word in
    # docstrings and comments only), before the walk that keeps track of scopes
    if not any(isinstance(node, ast.Attribute) and node.attr == SCHEMA_METHOD for node in walk_ast(tree)):
        return False
    finder = _CandidateFinder()
    finder.visit(tree)
    return finder.found


def schema_receivers(call: ast.Call) -> Iterator[ast.expr]:
    """`x` of `x.create_all(...)`, and of `conn.run_sync(x.create_all)` whatever the argument's
    position or keyword (LibCST's argument order is the source order, the AST's is not)."""
    if not isinstance(call.func, ast.Attribute):
        return
    if call.func.attr == SCHEMA_METHOD:
        yield call.func.value
    elif call.func.attr == "run_sync":
        for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
            handed = argument.value if isinstance(argument, ast.Starred) else argument
            if isinstance(handed, ast.Attribute) and handed.attr == SCHEMA_METHOD:
                yield handed.value


class _CandidateFinder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found = False
        self.function_locals: list[set[str]] = []  # innermost function last

    def visit(self, node: ast.AST) -> None:
        if not self.found:
            super().visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        # decorators and defaults run in the enclosing scope
        outer = [*getattr(node, "decorator_list", ()), *node.args.defaults, *node.args.kw_defaults]
        for child in outer:
            if child is not None:
                self.visit(child)
        self.function_locals.append(local_variables(node))
        for statement in node.body if isinstance(node.body, list) else [node.body]:
            self.visit(statement)
        self.function_locals.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_Lambda = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        if any(self.could_be_project_metadata(receiver) for receiver in schema_receivers(node)):
            self.found = True
        self.generic_visit(node)

    def could_be_project_metadata(self, receiver: ast.expr) -> bool:
        if isinstance(receiver, ast.Attribute) and receiver.attr == "metadata":
            return True
        head = receiver
        while isinstance(head, ast.Attribute):
            head = head.value
        if not isinstance(head, ast.Name):
            return True  # not a plain dotted name: let LibCST decide
        if head.id == "metadata" and head is receiver:
            return True
        return not (self.function_locals and head.id in self.function_locals[-1])


def local_variables(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """Parameters and names plainly assigned in the function's own body, minus `global` and
    `nonlocal` ones. Function-level imports are left out: LibCST resolves those."""
    arguments = function.args
    parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    parameters += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    names = {parameter.arg for parameter in parameters}
    body = list(_own_nodes(function.body if isinstance(function.body, list) else [function.body]))
    # a bare annotation (`x: int`) binds nothing at run time: do not count on LibCST to see a local
    annotation_only = {id(n.target) for n in body if isinstance(n, ast.AnnAssign) and n.value is None}
    declared: set[str] = set()
    for node in body:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and id(node) not in annotation_only:
            names.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
    return names - declared


def _own_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Nodes of a function body, not descending into nested scopes or comprehensions."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (*SCOPE_NODES, *COMPREHENSIONS)):
            stack.extend(child_nodes(node))
