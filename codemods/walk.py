"""A read-only traversal of a LibCST tree, for visitors: `walk(node, visitor)` is `node.visit(visitor)`
without rebuilding the tree.

LibCST traverses with `_visit_and_replace_children`, which constructs (and validates) a new node for
every node it passes, for a `CSTVisitor` too, whose result it then drops: about four fifths of a
read-only pass. `walk` calls the same `on_visit`/`on_leave` hooks, on the same nodes, in the same order,
reading each node's children in the order LibCST visits them. That order is learned once per node class
by running LibCST's own `_visit_and_replace_children` on one instance with a visitor that only records
which attributes it is shown (and descends nowhere).

LibCST skips an attribute altogether in one case (an f-string expression without a format spec), so an
order learned from such an instance lacks it: a node holding children in an attribute the learned order
does not name is handed to LibCST's own traversal, which visits it exactly as before. Visitors that use
the per-attribute hooks (`visit_<Node>_<attribute>`, `on_visit_attribute`) are handed to LibCST whole.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import libcst as cst
from libcst import CSTNode

# node class -> (its child attributes in LibCST's visiting order, its other dataclass fields)
_ORDER: dict[type[CSTNode], tuple[tuple[str, ...], tuple[str, ...]]] = {}
# visitor class -> whether `walk` may traverse for it (it uses no per-attribute hook)
_PLAIN_VISITORS: dict[type[cst.CSTVisitor], bool] = {}


def walk(node: CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a read-only visitor, without rebuilding the tree."""
    if not _is_plain(visitor):
        node.visit(visitor)
        return
    _walk(node, visitor)


def walk_with_metadata(wrapper: cst.MetadataWrapper, visitor: cst.CSTVisitor) -> None:
    """`wrapper.visit(visitor)`: the metadata the visitor declares, resolved, then `walk`."""
    with visitor.resolve(wrapper):
        walk(wrapper.module, visitor)


def _walk(node: CSTNode, visitor: cst.CSTVisitor) -> None:
    if visitor.on_visit(node):
        order = _ORDER.get(type(node)) or _learn(node)
        children, others = order
        if others and _holds_children(node, others):
            _visit_children_by_libcst(node, visitor)  # an attribute the learned order lacks holds children
        else:
            for name in children:
                value = getattr(node, name)
                if isinstance(value, CSTNode):
                    _walk(value, visitor)
                elif type(value) is tuple or type(value) is list:
                    for item in value:
                        if isinstance(item, CSTNode):
                            _walk(item, visitor)
    visitor.on_leave(node)


def _visit_children_by_libcst(node: CSTNode, visitor: cst.CSTVisitor) -> None:
    """The children of `node` visited by LibCST (`on_visit(node)` has already run, and `on_leave`
    runs after): LibCST's `_visit_and_replace_children` visits the children only."""
    node._visit_and_replace_children(visitor)


def _holds_children(node: CSTNode, others: tuple[str, ...]) -> bool:
    for name in others:
        value = getattr(node, name)
        if isinstance(value, CSTNode) or (
            (type(value) is tuple or type(value) is list) and any(isinstance(item, CSTNode) for item in value)
        ):
            return True
    return False


class _Recorder(cst.CSTVisitor):
    """Records which attributes LibCST shows a node's children under, and descends nowhere."""

    def __init__(self) -> None:
        super().__init__()
        self.attributes: list[str] = []

    def on_visit(self, node: CSTNode) -> bool:
        return False

    def on_leave(self, original_node: CSTNode) -> None:
        pass

    def on_visit_attribute(self, node: CSTNode, attribute: str) -> None:
        self.attributes.append(attribute)

    def on_leave_attribute(self, original_node: CSTNode, attribute: str) -> None:
        pass


def _learn(node: CSTNode) -> tuple[tuple[str, ...], tuple[str, ...]]:
    recorder = _Recorder()
    node._visit_and_replace_children(recorder)
    children = tuple(dict.fromkeys(recorder.attributes))
    others = tuple(field.name for field in fields(node) if field.name not in children)
    _ORDER[type(node)] = (children, others)
    return children, others


def _is_plain(visitor: cst.CSTVisitor) -> bool:
    kind = type(visitor)
    plain = _PLAIN_VISITORS.get(kind)
    if plain is None:
        plain = _PLAIN_VISITORS[kind] = not _uses_attribute_hooks(kind)
    return plain


def _uses_attribute_hooks(kind: type[Any]) -> bool:
    """Does the visitor class replace LibCST's per-attribute hooks or define a `visit_X_attr` /
    `leave_X_attr` of its own? (LibCST's typed visitor defines every one of them as a no-op.)"""
    if kind.on_visit_attribute is not cst.CSTVisitor.on_visit_attribute:
        return True
    if kind.on_leave_attribute is not cst.CSTVisitor.on_leave_attribute:
        return True
    for klass in kind.__mro__:
        if klass.__module__.startswith("libcst"):
            continue  # LibCST's own classes: its typed visitor's no-op hooks
        for name in vars(klass):
            prefix, _, rest = name.partition("_")
            if prefix in ("visit", "leave") and "_" in rest:  # `visit_Module_body`
                return True
    return False
