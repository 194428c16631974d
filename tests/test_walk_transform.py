"""`walk.transform` gives back what LibCST's `node.visit(transformer)` gives back, node for node, after
calling the same hooks in the same order, and keeps every node below which nothing changed."""

from __future__ import annotations

from typing import Callable

import libcst as cst
import pytest
from conftest import golden_and_example_modules
from fixit_codemods.walk import transform


def modules() -> list[cst.Module]:
    from test_walk import SHAPES

    return [*(cst.parse_module(text) for text in SHAPES.values()), *golden_and_example_modules()]


class Recording(cst.CSTTransformer):
    """Records every hook LibCST calls, by the identity of the original node and the content of the
    updated one (LibCST's updated node is a new object; `transform`'s is the original where equal)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int, str]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.events.append(("def", id(node), ""))
        return True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.events.append(("lambda, not inside", id(node), ""))
        return False

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        self.events.append(("name", id(original_node), updated_node.value))
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        self.events.append(("call", id(original_node), cst.Module([]).code_for_node(updated_node)))
        return updated_node


class Renames(Recording):
    """Renames every name starting with `s` or `e` (in expressions, parameters and definitions)."""

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        super().leave_Name(original_node, updated_node)
        if updated_node.value.startswith(("s", "e")):
            return updated_node.with_changes(value=updated_node.value + "_renamed")
        return updated_node


class Removes(Recording):
    """Removes what may be removed: expression statements and `pass` (a body left empty gets LibCST's
    `pass`), every second argument, decorators; doubles each import (a flattened pair)."""

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()

    def leave_Pass(self, original_node: cst.Pass, updated_node: cst.Pass) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg | cst.RemovalSentinel:
        self.events.append(("arg", id(original_node), ""))
        return cst.RemoveFromParent() if len(self.events) % 2 else updated_node

    def leave_Decorator(self, original_node: cst.Decorator, updated_node: cst.Decorator) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.FlattenSentinel[cst.BaseSmallStatement]:
        return cst.FlattenSentinel([updated_node, updated_node.deep_clone()])


class OwnDispatch(Renames):
    """Its own `on_visit` (as `StatementTransformer`): called for every node, not looked up per class."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not isinstance(node, cst.Subscript) and super().on_visit(node)


def same_result(module: cst.Module, make: Callable[[], Recording]) -> tuple[cst.CSTNode, Recording]:
    by_libcst, by_transform = make(), make()
    expected = module.visit(by_libcst)
    result = transform(module, by_transform)
    assert isinstance(result, cst.Module)
    assert result.deep_equals(expected)
    assert result.code == expected.code
    assert by_transform.events == by_libcst.events
    return result, by_transform


@pytest.mark.parametrize("make", [Recording, Renames, Removes, OwnDispatch])
def test_transform_gives_what_libcst_gives_on_goldens_and_example(make: Callable[[], Recording]) -> None:
    events = 0
    for module in modules():
        _, transformer = same_result(module, make)
        events += len(transformer.events)
    assert events > 5_000


def test_what_nothing_changed_below_is_the_same_node() -> None:
    for module in modules():
        assert transform(module, Recording()) is module
    module = cst.parse_module("def f():\n    return s + 1\n\n\ndef g():\n    return t\n")
    result, _ = same_result(module, Renames)
    assert isinstance(result, cst.Module)
    assert result.body[0] is not module.body[0] and result.body[1] is module.body[1]
    assert result.code == "def f():\n    return s_renamed + 1\n\n\ndef g():\n    return t\n"


def test_a_required_child_removed_fails_as_in_libcst() -> None:
    class RemovesNames(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.RemovalSentinel:
            return cst.RemoveFromParent()

    module = cst.parse_module("x = y.z\n")
    with pytest.raises(Exception) as by_libcst:
        module.visit(RemovesNames())
    with pytest.raises(Exception) as by_transform:
        transform(module, RemovesNames())
    assert type(by_transform.value) is type(by_libcst.value)
    assert str(by_transform.value) == str(by_libcst.value)


def test_a_module_removed_whole_is_emptied_as_libcst_does() -> None:
    class RemovesModule(cst.CSTTransformer):
        def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.RemovalSentinel:
            return cst.RemoveFromParent()

    module = cst.parse_module("# head\nx = 1\n")
    assert transform(module, RemovesModule()).deep_equals(module.visit(RemovesModule()))


def test_a_leave_hook_returning_no_node_fails_as_in_libcst() -> None:
    class ReturnsNone(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> None:
            return None

    module = cst.parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        module.visit(ReturnsNone())
    with pytest.raises(cst.CSTValidationError):
        transform(module, ReturnsNone())


def test_inside_prunes_where_an_on_visit_asking_it_would() -> None:
    from test_walk import SHAPES

    module = cst.parse_module(SHAPES["every statement"] + SHAPES["expressions"] + "s = e(s)\n")

    def inside(node: cst.CSTNode) -> bool:
        return not isinstance(node, (cst.FunctionDef, cst.Call))

    by_libcst = Renames()
    visit = by_libcst.on_visit
    by_libcst.on_visit = lambda node: visit(node) and inside(node)  # type: ignore[method-assign]
    expected = module.visit(by_libcst)
    by_transform = Renames()
    result = transform(module, by_transform, inside=inside)
    assert by_transform.events == by_libcst.events and len(by_transform.events) > 20
    assert result.deep_equals(expected) and result.code == expected.code


def test_attribute_hooks_and_static_hooks_are_called_as_libcst_calls_them() -> None:
    class Hooks(cst.CSTTransformer):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def visit_Call_args(self, node: cst.Call) -> None:  # an attribute hook: LibCST traverses
            self.seen.append("args")

        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            self.seen.append(updated_node.value)
            return updated_node.with_changes(value=updated_node.value.upper())

    class Static(cst.CSTTransformer):
        seen: list[str] = []

        @staticmethod
        def leave_Name(original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            Static.seen.append(updated_node.value)
            return updated_node.with_changes(value=updated_node.value.upper())

    module = cst.parse_module("a = b(c)\n")
    by_libcst, by_transform = Hooks(), Hooks()
    assert transform(module, by_transform).code == module.visit(by_libcst).code == "A = B(C)\n"
    assert by_transform.seen == by_libcst.seen == ["a", "b", "args", "c"]
    expected = module.visit(Static()).code
    assert Static.seen == ["a", "b", "c"]
    Static.seen.clear()
    assert transform(module, Static()).code == expected == "A = B(C)\n"
    assert Static.seen == ["a", "b", "c"]
