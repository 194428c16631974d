"""`fixit_codemods.metadata` answers what LibCST's MetadataWrapper answers, node for node."""

from __future__ import annotations

from typing import Any, Mapping

import libcst as cst
import pytest
from conftest import golden_and_example_modules
from fixit_codemods import metadata
from fixit_codemods.metadata import Metadata, positions, scopes
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider, Scope, ScopeProvider

SHAPES = {
    "scopes of every kind": (
        "import os\nfrom a import b as c\nx: 'List[int]' = []\n"
        "class K(Base, metaclass=M):\n    y = x\n    def m(self, z=y) -> 'K':\n        return [y for y in z if c]\n"
        "async def f(*args, **kw):\n    global x\n    nonlocal_ = lambda q: q + x\n    async with g() as (h, i):\n"
        "        del h\n    try:\n        pass\n    except E as e:\n        print(e)\n    return {k: v for k, v in kw.items()}\n"
        "match x:\n    case [a, *rest] if rest:\n        pass\n    case {'k': v, **others}:\n        pass\n"
        "def outer():\n    n = 1\n    def inner():\n        nonlocal n\n        n += 1\n    return inner\n"
        "print(f'{x!r:>{os.sep}}')\n"
    ),
    "new syntax": "type Alias[T] = list[T]\ndef g[U](u: U) -> U:\n    return u\nclass C[V]:\n    pass\n",
}


def _nodes(module: cst.Module) -> set[int]:
    found: set[int] = set()

    class All(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.add(id(node))
            return True

    module.visit(All())
    return found


def scope_signature(module: cst.Module, scope_map: Mapping[cst.CSTNode, Scope | None]) -> Any:
    """What the scope map says, with scopes numbered in order of appearance and nodes by identity
    (nodes LibCST made itself, from string annotations, by their code)."""
    own = _nodes(module)
    numbers: dict[int, int] = {}

    def node_key(node: object) -> object:
        if node is None or id(node) in own:
            return id(node)
        return repr(node)  # a node LibCST made itself: compared by its structure

    def number(scope: Scope | None) -> int | None:
        return None if scope is None else numbers.setdefault(id(scope), len(numbers))

    per_node = [(node_key(node), number(scope)) for node, scope in scope_map.items()]
    distinct = {id(scope): scope for scope in scope_map.values() if scope is not None}
    details = []
    for scope in sorted(distinct.values(), key=lambda s: numbers[id(s)]):
        assignments = sorted(
            (a.name, repr(node_key(getattr(a, "node", None))), type(a).__name__, sorted(repr(node_key(r.node)) for r in a.references))
            for a in scope.assignments
        )
        accesses = sorted(
            (repr(node_key(a.node)), sorted((r.name, repr(node_key(getattr(r, "node", None)))) for r in a.referents))
            for a in scope.accesses
        )
        details.append((type(scope).__name__, getattr(scope, "name", None), number(scope.parent), assignments, accesses))
    return per_node, details


def same_as_libcst(module: cst.Module) -> int:
    by_libcst = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many([PositionProvider, ScopeProvider])
    assert dict(positions(module)) == dict(by_libcst[PositionProvider])
    ours = scopes(module)
    assert scope_signature(module, ours) == scope_signature(module, by_libcst[ScopeProvider])
    return len(ours)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shapes(shape: str) -> None:
    assert same_as_libcst(cst.parse_module(SHAPES[shape])) > 20


def test_goldens_and_example() -> None:
    checked = sum(same_as_libcst(module) for module in golden_and_example_modules())
    assert checked > 50_000


def test_libcst_traversal_is_its_own_again_afterwards() -> None:
    from libcst.metadata import scope_provider

    original = cst.CSTNode.visit
    assignment_like = scope_provider._ASSIGNMENT_LIKE_NODES
    scopes(cst.parse_module("x = 1\n"))
    assert cst.CSTNode.visit is original
    assert scope_provider._ASSIGNMENT_LIKE_NODES is assignment_like

    class Failing(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError), metadata._visitors_walk():
        cst.parse_module("y = 2\n").visit(Failing())
    assert cst.CSTNode.visit is original


def test_wrapper_for_visitors_that_declare_metadata() -> None:
    module = cst.parse_module("import a\n\ndef f(b):\n    return a.c(b)\n")
    seen: list[tuple[str, int, str]] = []

    class Reader(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider, ParentNodeProvider)

        def visit_Name(self, node: cst.Name) -> None:
            scope = self.get_metadata(ScopeProvider, node, None)
            parent = self.get_metadata(ParentNodeProvider, node)
            line = self.get_metadata(PositionProvider, node).start.line
            seen.append((node.value, line, f"{type(scope).__name__}/{type(parent).__name__}"))

    with_ours, with_libcst = Reader(), Reader()
    Metadata(module).visit(with_ours)
    ours = list(seen)
    seen.clear()
    MetadataWrapper(module, unsafe_skip_copy=True).visit(with_libcst)
    assert ours == seen
    assert ("b", 4, "FunctionScope/Arg") in ours
