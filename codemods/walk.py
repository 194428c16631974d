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
does not name is handed to LibCST's own traversal, which visits it exactly as before.

Per-attribute hooks (`visit_<Node>_<attribute>`, as LibCST's own ScopeProvider uses) are called around
the attribute's children, as LibCST calls them. Only the hooks a visitor defines are called (the others
are LibCST's no-ops). Visitors that replace the dispatch itself (`on_visit_attribute`), or hook the one
attribute LibCST visits only sometimes, are handed to LibCST whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from types import FunctionType
from typing import Any, Literal, Union, get_args, get_origin

import libcst as cst
from libcst import CSTNode

# node class -> (its child attributes in LibCST's visiting order, its other dataclass fields)
_ORDER: dict[type[CSTNode], tuple[tuple[str, ...], tuple[str, ...]]] = {}
# type of a field's value -> whether it is a node class (`isinstance(value, CSTNode)` goes through
# ABCMeta's check, a Python-level call, for every child of every node)
_IS_NODE: dict[type, bool] = {}
# visitor class -> node class -> its visit and leave hooks (see `_walk_dispatched`)
_Hooks = tuple[Any, Any]
_DISPATCH: dict[type[cst.CSTVisitor], dict[type[CSTNode], _Hooks]] = {}
# visitor class -> the (node class name, attribute) pairs it hooks; None: LibCST must traverse for it
_HOOKS: dict[type[cst.CSTVisitor], frozenset[tuple[str, str]] | None] = {}
# attributes LibCST shows only when they hold a node: a hook on one would be called when it should not
_SOMETIMES_SHOWN = frozenset({("FormattedStringExpression", "format_spec"), ("TemplatedStringExpression", "format_spec")})


def walk(node: CSTNode, visitor: cst.CSTVisitor, inside: Callable[[CSTNode], bool] | None = None) -> None:
    """`node.visit(visitor)` for a read-only visitor, without rebuilding the tree. `inside` (only
    for a visitor `walk_dispatches`): whether to go inside a node the visitor would go inside, as if
    its `on_visit` also asked it (its `visit_`/`leave_` hooks run either way)."""
    kind = type(visitor)
    hooks = _hooks_of(kind)
    if inside is not None and not walk_dispatches(visitor):
        raise ValueError("`inside` is for visitors whose hooks walk calls itself (walk_dispatches)")
    if hooks is None:
        node.visit(visitor)
    elif hooks:
        _walk_hooked(node, visitor, hooks)
    elif _dispatches_as_libcst(visitor):
        _walk_dispatched(node, visitor, _DISPATCH.setdefault(kind, {}), inside)
    else:
        _walk(node, visitor)


def walk_with_metadata(wrapper: cst.MetadataWrapper, visitor: cst.CSTVisitor) -> None:
    """`wrapper.visit(visitor)`: the metadata the visitor declares, resolved, then `walk`."""
    with visitor.resolve(wrapper):
        walk(wrapper.module, visitor)


def can_walk(visitor: cst.CSTVisitor) -> bool:
    """Whether `walk` traverses for this visitor itself (else it hands it to LibCST)."""
    return _hooks_of(type(visitor)) is not None


def _hooks_of(kind: type[cst.CSTVisitor]) -> frozenset[tuple[str, str]] | None:
    return _HOOKS[kind] if kind in _HOOKS else _HOOKS.setdefault(kind, _attribute_hooks(kind))


def _walk(node: CSTNode, visitor: cst.CSTVisitor) -> None:
    if visitor.on_visit(node):
        order = _ORDER.get(type(node)) or _learn(node)
        children, others = order
        if others and _holds_children(node, others):
            _visit_children_by_libcst(node, visitor)  # an attribute the learned order lacks holds children
        else:
            for name in children:
                value = getattr(node, name)
                if _IS_NODE.get(type(value)) or _is_node_class(type(value)):
                    _walk(value, visitor)
                elif type(value) is tuple or type(value) is list:
                    for item in value:
                        if _IS_NODE.get(type(item)) or _is_node_class(type(item)):
                            _walk(item, visitor)
    visitor.on_leave(node)


def _walk_dispatched(
    node: CSTNode,
    visitor: cst.CSTVisitor,
    table: dict[type[CSTNode], _Hooks],
    inside: Callable[[CSTNode], bool] | None = None,
) -> None:
    """`_walk` for a visitor that leaves the dispatch to LibCST's `on_visit`/`on_leave`: the same
    `visit_<Node>`/`leave_<Node>` are called, looked up once per node class instead of once per node
    (LibCST formats the method's name and looks it up for every node and both hooks)."""
    node_class = type(node)
    hooks = table.get(node_class) or _hooks_for(table, type(visitor), node_class)
    visit, leave = hooks
    if (visit is None or visit(visitor, node) is not False) and (inside is None or inside(node)):
        children, others = _ORDER.get(node_class) or _learn(node)
        if others and _holds_children(node, others):
            _visit_children_by_libcst(node, visitor)
        else:
            for name in children:
                value = getattr(node, name)
                if _IS_NODE.get(type(value)) or _is_node_class(type(value)):
                    _walk_dispatched(value, visitor, table, inside)
                elif type(value) is tuple or type(value) is list:
                    for item in value:
                        if _IS_NODE.get(type(item)) or _is_node_class(type(item)):
                            _walk_dispatched(item, visitor, table, inside)
    if leave is not None:
        leave(visitor, node)


def _hooks_for(table: dict[type[CSTNode], _Hooks], kind: type[cst.CSTVisitor], node_class: type[CSTNode]) -> _Hooks:
    """The visitor class's own `visit_<Node>` and `leave_<Node>` (None: LibCST's no-op, or none)."""
    found: list[Any] = []
    for prefix in ("visit_", "leave_"):
        name = prefix + node_class.__name__
        function = getattr(kind, name, None)
        written = next((klass.__dict__[name] for klass in kind.__mro__ if name in klass.__dict__), None)
        if function is None or function is getattr(cst.CSTVisitor, name, None):
            found.append(None)
        elif isinstance(written, FunctionType):
            found.append(function)  # a plain method: called with the visitor, as bound
        else:  # a static or class method, or another descriptor: looked up on the visitor, as LibCST does
            found.append(lambda visitor, node, name=name: getattr(visitor, name)(node))
    table[node_class] = hooks = (found[0], found[1])
    return hooks


def walk_dispatches(visitor: cst.CSTVisitor) -> bool:
    """Whether `walk` calls the visitor's `visit_<Node>`/`leave_<Node>` itself (see `_walk_dispatched`)."""
    return _hooks_of(type(visitor)) == frozenset() and _dispatches_as_libcst(visitor)


def _dispatches_as_libcst(visitor: cst.CSTVisitor) -> bool:
    """Whether the visitor's `on_visit`/`on_leave` are LibCST's own, dispatching to its class's
    `visit_<Node>`/`leave_<Node>` (not replaced on the class or the instance, as `visit_near` does)."""
    kind = type(visitor)
    if kind.on_visit is not cst.CSTVisitor.on_visit or kind.on_leave is not cst.CSTVisitor.on_leave:
        return False
    own = getattr(visitor, "__dict__", {})
    return not any(name.startswith(("on_", "visit_", "leave_")) for name in own)


def _walk_hooked(node: CSTNode, visitor: cst.CSTVisitor, hooks: frozenset[tuple[str, str]]) -> None:
    """`_walk` for a visitor with per-attribute hooks: each hooked attribute's hooks around its children."""
    if visitor.on_visit(node):
        order = _ORDER.get(type(node)) or _learn(node)
        children, others = order
        if others and _holds_children(node, others):
            _visit_children_by_libcst(node, visitor)
        else:
            kind = type(node).__name__
            for name in children:
                hooked = (kind, name) in hooks
                if hooked:
                    visitor.on_visit_attribute(node, name)
                value = getattr(node, name)
                if _IS_NODE.get(type(value)) or _is_node_class(type(value)):
                    _walk_hooked(value, visitor, hooks)
                elif type(value) is tuple or type(value) is list:
                    for item in value:
                        if _IS_NODE.get(type(item)) or _is_node_class(type(item)):
                            _walk_hooked(item, visitor, hooks)
                if hooked:
                    visitor.on_leave_attribute(node, name)
    visitor.on_leave(node)


def _is_node_class(kind: type) -> bool:
    """`issubclass(kind, CSTNode)`, remembered (for `_IS_NODE.get(kind) or _is_node_class(kind)`)."""
    if kind not in _IS_NODE:
        _IS_NODE[kind] = issubclass(kind, CSTNode)
    return _IS_NODE[kind]


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
    # the other fields that might hold a node (not a `str`, `bool` or `Literal` one, as `Name.value`)
    others = tuple(field.name for field in fields(node) if field.name not in children and not _scalar(field.type))
    _ORDER[type(node)] = (children, others)
    return children, others


def _scalar(annotation: Any) -> bool:
    """A field type that holds no node: str, bool, int, float, a Literal, or an Optional of one."""
    if annotation in (str, bool, int, float, type(None)):
        return True
    origin = get_origin(annotation)
    if origin is Literal:
        return True
    return origin is Union and all(_scalar(argument) for argument in get_args(annotation))


def _attribute_hooks(kind: type[cst.CSTVisitor]) -> frozenset[tuple[str, str]] | None:
    """The (node class name, attribute) pairs whose `visit_<Node>_<attribute>` / `leave_...` hook the
    visitor class defines (LibCST's typed visitor defines every one as a no-op: those do not count);
    None when it replaces the dispatch itself or hooks an attribute LibCST shows only sometimes."""
    if kind.on_visit_attribute is not cst.CSTVisitor.on_visit_attribute:
        return None
    if kind.on_leave_attribute is not cst.CSTVisitor.on_leave_attribute:
        return None
    hooks: set[tuple[str, str]] = set()
    for klass in kind.__mro__:
        for name in vars(klass):
            prefix, _, rest = name.partition("_")
            node_class, _, attribute = rest.partition("_")
            if prefix not in ("visit", "leave") or not attribute:  # `visit_Module_body` only
                continue
            if getattr(kind, name) is not getattr(cst.CSTVisitor, name, None):
                hooks.add((node_class, attribute))
    if hooks & _SOMETIMES_SHOWN:
        return None
    return frozenset(hooks)
