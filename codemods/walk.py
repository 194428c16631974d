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

`transform(node, transformer)` is `node.visit(transformer)` for a `CSTTransformer` that rebuilds only
what changed. LibCST constructs and validates a new node for every node it passes and hands it to
`leave_<Node>` as `updated_node`, equal to the original wherever nothing below it changed. `transform`
calls the same hooks in the same order, and hands over the original node itself where every child came
back as the same node; where one did not, the node is rebuilt by LibCST's own
`_visit_and_replace_children`, replaying the children's results (so removals, flattening and the
`pass` a removed body gets are LibCST's). The result is equal to LibCST's, node for node; what the
transformer left alone is the same object as before (so `SourceFile.code_of` reuses its text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from types import FunctionType
from typing import Any, Literal, Union, get_args, get_origin

import libcst as cst
from libcst import CSTNode, FlattenSentinel, RemovalSentinel

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
    """The visitor (or transformer) class's own `visit_<Node>` and `leave_<Node>` (None: LibCST's
    no-op, or none)."""
    base = _libcst_base(kind)
    found: list[Any] = []
    for prefix in ("visit_", "leave_"):
        name = prefix + node_class.__name__
        function = getattr(kind, name, None)
        written = next((klass.__dict__[name] for klass in kind.__mro__ if name in klass.__dict__), None)
        if function is None or function is getattr(base, name, None):
            found.append(None)
        elif isinstance(written, FunctionType):
            found.append(function)  # a plain method: called with the visitor, as bound
        else:  # a static or class method, or another descriptor: looked up on the visitor, as LibCST does
            found.append(lambda visitor, *nodes, name=name: getattr(visitor, name)(*nodes))
    table[node_class] = hooks = (found[0], found[1])
    return hooks


def walk_dispatches(visitor: cst.CSTVisitor) -> bool:
    """Whether `walk` calls the visitor's `visit_<Node>`/`leave_<Node>` itself (see `_walk_dispatched`)."""
    return _hooks_of(type(visitor)) == frozenset() and _dispatches_as_libcst(visitor)


def _dispatches_as_libcst(visitor: cst.CSTVisitor) -> bool:
    """Whether the visitor's `on_visit`/`on_leave` are LibCST's own, dispatching to its class's
    `visit_<Node>`/`leave_<Node>` (not replaced on the class or the instance, as `visit_near` does)."""
    kind, base = type(visitor), _libcst_base(type(visitor))
    if kind.on_visit is not base.on_visit or kind.on_leave is not base.on_leave:
        return False
    own = getattr(visitor, "__dict__", {})
    return not any(name.startswith(("on_", "visit_", "leave_")) for name in own)


def _libcst_base(kind: type) -> type[cst.CSTVisitor] | type[cst.CSTTransformer]:
    """LibCST's class whose hooks are the no-ops `kind`'s own are told apart from."""
    return cst.CSTTransformer if issubclass(kind, cst.CSTTransformer) else cst.CSTVisitor


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


def _attributes_shown(node: CSTNode) -> tuple[str, ...]:
    """The attributes LibCST shows this node's children under, in its order."""
    recorder = _Recorder()
    node._visit_and_replace_children(recorder)
    return tuple(dict.fromkeys(recorder.attributes))


def _learn(node: CSTNode) -> tuple[tuple[str, ...], tuple[str, ...]]:
    children = _attributes_shown(node)
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
    base = _libcst_base(kind)
    if kind.on_visit_attribute is not base.on_visit_attribute:
        return None
    if kind.on_leave_attribute is not base.on_leave_attribute:
        return None
    hooks: set[tuple[str, str]] = set()
    for klass in kind.__mro__:
        for name in vars(klass):
            prefix, _, rest = name.partition("_")
            node_class, _, attribute = rest.partition("_")
            if prefix not in ("visit", "leave") or not attribute:  # `visit_Module_body` only
                continue
            if getattr(kind, name) is not getattr(base, name, None):
                hooks.add((node_class, attribute))
    if hooks & _SOMETIMES_SHOWN:
        return None
    return frozenset(hooks)


# -- transformers ---------------------------------------------------------------------------------

# transformer class -> node class -> its visit and leave hooks (see `_hooks_for`)
_TRANSFORMER_DISPATCH: dict[type[cst.CSTTransformer], dict[type[CSTNode], _Hooks]] = {}


def transform(
    node: CSTNode, transformer: cst.CSTTransformer, inside: Callable[[CSTNode], bool] | None = None
) -> CSTNode | RemovalSentinel | FlattenSentinel[CSTNode]:
    """`node.visit(transformer)`, rebuilding only the nodes below which something changed (see the
    module's docstring). `inside`: whether to go inside a node the transformer would go inside, as if
    its `on_visit` also asked it (its `visit_`/`leave_` hooks run either way)."""
    kind = type(transformer)
    if not isinstance(transformer, cst.CSTTransformer) or _hooks_of(kind) != frozenset():
        return _transform_by_libcst(node, transformer, inside)  # attribute hooks: LibCST's traversal
    table = _TRANSFORMER_DISPATCH.setdefault(kind, {}) if _dispatches_as_libcst(transformer) else None
    result = _transform(node, transformer, table, inside)
    if isinstance(node, cst.Module) and isinstance(result, RemovalSentinel):
        return node.with_changes(body=(), header=(), footer=())  # as `Module.visit`
    return result


def _transform_by_libcst(
    node: CSTNode, transformer: cst.CSTTransformer, inside: Callable[[CSTNode], bool] | None
) -> CSTNode | RemovalSentinel | FlattenSentinel[CSTNode]:
    if inside is None:
        return node.visit(transformer)
    with pruned(transformer, inside):
        return node.visit(transformer)


@contextmanager
def pruned(visitor: cst.CSTVisitor | cst.CSTTransformer, inside: Callable[[CSTNode], bool]) -> Iterator[None]:
    """While this runs, `visitor` goes inside a node only where its `on_visit` and `inside` both say so
    (set on the instance, for this traversal only: a wrapping visitor would add a call to every hook)."""
    visit = visitor.on_visit

    def on_visit(node: CSTNode) -> bool:
        return visit(node) and inside(node)

    visitor.on_visit = on_visit  # type: ignore[method-assign]
    try:
        yield
    finally:
        del visitor.on_visit


def _transform(
    node: CSTNode,
    transformer: cst.CSTTransformer,
    table: dict[type[CSTNode], _Hooks] | None,
    inside: Callable[[CSTNode], bool] | None,
) -> CSTNode | RemovalSentinel | FlattenSentinel[CSTNode]:
    """`CSTNode.visit` for a transformer: `table` holds its hooks when it leaves the dispatch to
    LibCST's `on_visit`/`on_leave` (None: they are its own, and called)."""
    node_class = type(node)
    if table is None:
        visit_children = bool(transformer.on_visit(node))
        leave = None
    else:
        visit, leave = table.get(node_class) or _hooks_for(table, type(transformer), node_class)
        visit_children = visit is None or visit(transformer, node) is not False
    updated = node
    if visit_children and (inside is None or inside(node)):
        updated = _transform_children(node, transformer, table, inside)
    if table is None:
        result = transformer.on_leave(node, updated)
    else:
        result = updated if leave is None else leave(transformer, node, updated)
    if type(result) is not node_class and not isinstance(result, (CSTNode, RemovalSentinel, FlattenSentinel)):
        raise cst.CSTValidationError(  # as `CSTNode.visit` checks
            "Expected a node of type CSTNode or a RemovalSentinel, "
            + f"but got a return value of {type(result).__name__}"
        )
    return result


def _transform_children(
    node: CSTNode,
    transformer: cst.CSTTransformer,
    table: dict[type[CSTNode], _Hooks] | None,
    inside: Callable[[CSTNode], bool] | None,
) -> CSTNode:
    """`node` with its children transformed: `node` itself when each came back as the same node."""
    children, others = _ORDER.get(type(node)) or _learn(node)
    if others and _holds_children(node, others):
        children = _attributes_shown(node)  # an attribute the learned order lacks: this node's own order
    results: list[tuple[CSTNode, object]] = []
    changed = False
    for name in children:
        value = getattr(node, name)
        if _IS_NODE.get(type(value)) or _is_node_class(type(value)):
            result = _transform(value, transformer, table, inside)
            results.append((value, result))
            changed = changed or result is not value
        elif type(value) is tuple or type(value) is list:
            for item in value:
                if _IS_NODE.get(type(item)) or _is_node_class(type(item)):
                    result = _transform(item, transformer, table, inside)
                    results.append((item, result))
                    changed = changed or result is not item
    if not changed:
        return node
    replay = _Replay(results)
    rebuilt = node._visit_and_replace_children(replay)
    replay.check_done()
    return rebuilt


class _Replay(cst.CSTTransformer):
    """Hands LibCST's `_visit_and_replace_children` the results the children already came back as,
    in the order it visits them, without visiting inside them: LibCST then builds the node."""

    def __init__(self, results: list[tuple[CSTNode, object]]) -> None:
        super().__init__()
        self.results = iter(results)
        self.remaining = len(results)

    def on_visit(self, node: CSTNode) -> bool:
        return False

    def on_leave(self, original_node: CSTNode, updated_node: CSTNode) -> Any:
        child, result = next(self.results)
        self.remaining -= 1
        if child is not original_node:
            name = type(original_node).__name__
            raise RuntimeError(f"transform: LibCST visited {name} out of the learned order")
        return result

    def on_visit_attribute(self, node: CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: CSTNode, attribute: str) -> None:
        pass

    def check_done(self) -> None:
        if self.remaining:
            raise RuntimeError("transform: LibCST visited fewer children than the learned order names")
