"""`walk` shows a visitor the same nodes, in the same order, as LibCST's own traversal."""

from __future__ import annotations

import libcst as cst
import pytest
from conftest import golden_and_example_modules
from fixit_codemods.walk import walk, walk_with_metadata
from libcst.metadata import MetadataWrapper, PositionProvider

SHAPES = {
    "f-strings with and without a format spec": 'a = f"{x}"\nb = f"{y:>{width}.{p}f} {z!r:^10}"\nc = f"{x=}"\n',
    "every statement": (
        "import a.b as c\nfrom . import (d, e as f)\nfrom g import *\n@deco(1)\nasync def h(i, /, j=1, *k, l, **m) -> n:\n"
        "    global o\n    async with p as q, r:\n        async for s in t:\n            yield s\n    try:\n        pass\n"
        "    except* ValueError as u:\n        raise\n    else:\n        del v\n    finally:\n        assert w, 'x'\n"
        "class C[T](D, metaclass=E):\n    x: int = 1\n    match y:\n        case [1, *rest] if rest:\n            pass\n"
        "        case {'k': v, **kw}:\n            pass\n        case Point(x=0) | None:\n            pass\n"
        "type Alias[U] = list[U]\nwhile (n := f()) > 0: n -= 1; continue\nlambda a, *b, c=1, **d: (a, b)\n"
    ),
    "expressions": (
        "x = [i for i in y if i] + {k: v for k, v in z} + {*a, *b} + (c if d else e) + f[1:2, ::3]\n"
        "g = not h and i or j is not k in l < m\nn = await o if p else -q ** r @ s\nt = u.v(w, *x, y=z, **aa)\n"
        "bb = 'implicit' 'concatenation' \"more\"\ncc = ...\n"
    ),
    "comments and whitespace": "# head\n\nx = (  # why\n    1,\n    2,  # two\n)\n\n\n# tail\n",
}


class Events(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("visit", id(node)))
        return not isinstance(node, cst.Lambda)  # a visitor that prunes: its children are not shown

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))


def same_events(module: cst.Module) -> int:
    by_libcst, by_walk = Events(), Events()
    module.visit(by_libcst)
    walk(module, by_walk)
    assert by_walk.events == by_libcst.events
    return len(by_walk.events)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_walk_shows_what_libcst_shows(shape: str) -> None:
    assert same_events(cst.parse_module(SHAPES[shape])) > 10


def test_walk_on_goldens_and_example() -> None:
    checked = sum(same_events(module) for module in golden_and_example_modules())
    assert checked > 100_000


def test_format_spec_learned_without_it_still_reached() -> None:
    """The order of an f-string expression learned from one without a format spec lacks the
    attribute: one that has one is handed to LibCST, whose traversal reaches the spec's nodes."""
    from fixit_codemods import walk as walking

    walking._ORDER.pop(cst.FormattedStringExpression, None)
    module = cst.parse_module('a = f"{x}"\nb = f"{y:{width}}"\n')
    same_events(module)
    assert "format_spec" not in walking._ORDER[cst.FormattedStringExpression][0]
    names: list[str] = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.append(node.value)

    walk(module, Names())
    assert names == ["a", "x", "b", "y", "width"]


class HookedEvents(Events):
    """Events, with the attribute hooks of a class and its bases in between."""

    def visit_ClassDef_bases(self, node: cst.ClassDef) -> None:
        self.events.append(("bases", id(node)))

    def leave_ClassDef_bases(self, node: cst.ClassDef) -> None:
        self.events.append(("bases done", id(node)))

    def visit_Call_args(self, node: cst.Call) -> None:
        self.events.append(("args", id(node)))


def test_attribute_hooks_are_called_where_libcst_calls_them() -> None:
    module = cst.parse_module(SHAPES["every statement"] + SHAPES["expressions"] + "class E(F, G(h)):\n    pass\n")
    by_libcst, by_walk = HookedEvents(), HookedEvents()
    module.visit(by_libcst)
    walk(module, by_walk)
    assert by_walk.events == by_libcst.events
    assert sum(1 for event, _ in by_walk.events if event == "bases") == 2


def test_visitors_that_replace_the_attribute_dispatch_get_libcst_itself() -> None:
    module = cst.parse_module("def f(a, b): pass\n")
    seen: list[str] = []

    class Dispatching(cst.CSTVisitor):
        def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
            seen.append(attribute)

    walk(module, Dispatching())
    assert seen[:2] == ["header", "body"] and "params" in seen


def test_walk_with_metadata_resolves_what_the_visitor_declares() -> None:
    module = cst.parse_module("x = 1\n\ny = 2\n")
    lines: list[int] = []

    class Lines(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def visit_Name(self, node: cst.Name) -> None:
            lines.append(self.get_metadata(PositionProvider, node).start.line)

    walk_with_metadata(MetadataWrapper(module, unsafe_skip_copy=True), Lines())
    assert lines == [1, 3]


class TypedHooks(cst.CSTVisitor):
    """A visitor that leaves the dispatch to LibCST (`visit_<Node>`/`leave_<Node>` only)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.events.append(("name", id(node)))

    def leave_Name(self, original_node: cst.Name) -> None:
        self.events.append(("name done", id(original_node)))

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.events.append(("lambda, not inside", id(node)))
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.events.append(("def", id(node)))
        return True

    def leave_Call(self, original_node: cst.Call) -> None:
        self.events.append(("call done", id(original_node)))


def test_visit_and_leave_hooks_looked_up_once_are_called_where_libcst_calls_them() -> None:
    from fixit_codemods import walk as walking

    checked = 0
    for module in [*(cst.parse_module(text) for text in SHAPES.values()), *golden_and_example_modules()]:
        by_libcst, by_walk = TypedHooks(), TypedHooks()
        module.visit(by_libcst)
        assert walking._dispatches_as_libcst(by_walk)
        walk(module, by_walk)
        assert by_walk.events == by_libcst.events
        checked += len(by_walk.events)
    assert checked > 10_000


def test_a_hook_set_on_the_instance_is_dispatched_by_libcst_itself() -> None:
    from fixit_codemods import walk as walking

    visitor = TypedHooks()
    visitor.visit_Name = lambda node: None  # type: ignore[method-assign]
    assert not walking._dispatches_as_libcst(visitor)


def test_inside_prunes_where_an_on_visit_asking_it_would() -> None:
    module = cst.parse_module(SHAPES["every statement"] + SHAPES["expressions"])

    def inside(node: cst.CSTNode) -> bool:
        return not isinstance(node, (cst.FunctionDef, cst.Call))

    by_libcst = TypedHooks()
    visit = by_libcst.on_visit
    by_libcst.on_visit = lambda node: visit(node) and inside(node)  # type: ignore[method-assign]
    module.visit(by_libcst)
    by_walk = TypedHooks()
    walk(module, by_walk, inside=inside)
    assert by_walk.events == by_libcst.events and len(by_walk.events) > 20
    with pytest.raises(ValueError):
        walk(module, Events(), inside=inside)  # its own on_visit: not dispatched by walk


def test_hooks_that_are_static_methods_are_called_as_libcst_calls_them() -> None:
    seen: list[str] = []

    class Static(cst.CSTVisitor):
        @staticmethod
        def visit_Name(node: cst.Name) -> None:
            seen.append(node.value)

    module = cst.parse_module("a = b(c)\n")
    module.visit(Static())
    by_libcst = list(seen)
    seen.clear()
    walk(module, Static())
    assert seen == by_libcst == ["a", "b", "c"]
