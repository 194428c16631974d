"""`walk_ast` and `child_nodes` give the standard library's nodes in its order."""

from __future__ import annotations

import ast

from conftest import ROOT, golden_and_example_files
from fixit_codemods.ast_walk import child_nodes, walk_ast


def test_the_same_nodes_in_the_same_order_on_goldens_example_and_fixit() -> None:
    paths = [*golden_and_example_files(), *sorted((ROOT / "codemods").rglob("*.py"))]
    checked = 0
    for path in paths:
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:
            continue
        nodes = list(walk_ast(tree))
        assert nodes == list(ast.walk(tree))
        for node in nodes:
            assert child_nodes(node) == list(ast.iter_child_nodes(node))
        checked += len(nodes)
    assert checked > 100_000


def test_a_field_left_unset_is_skipped_as_the_standard_library_skips_it() -> None:
    node = ast.Name(id="x")  # no ctx
    assert child_nodes(node) == list(ast.iter_child_nodes(node)) == []
    call = ast.Call(func=ast.Name(id="f", ctx=ast.Load()), args=[ast.Constant(1)], keywords=[])
    assert list(walk_ast(call)) == list(ast.walk(call))
