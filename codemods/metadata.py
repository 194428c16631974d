"""LibCST metadata for less: the same answers as `MetadataWrapper.resolve`, without its extra passes.

LibCST resolves a provider by traversing the module with LibCST's own traversal, which rebuilds every
node it passes (for a read-only visitor too, see `walk`), and then, whatever was asked, traverses the
module once more with an empty batch. Where every file has work, that was a tenth of a run:
- `positions(module)`: PositionProvider's code generation pass alone (no empty batch after it);
- `scopes(module)`: ExpressionContextProvider then ScopeProvider, their visitors run over the tree
  by `walk` (the same hooks, nodes and order, nothing rebuilt), without the batch traversals around
  them that do nothing for these two providers;
- `Metadata(module)`: a MetadataWrapper whose `resolve` takes these from the functions above, for
  visitors that declare them (`walk_with_metadata`); any other provider is LibCST's own.

The maps are the ones LibCST builds (node -> CodeRange / Scope); `tests/test_metadata.py` checks them
equal to LibCST's on the goldens and the example.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

import libcst as cst
from fixit_codemods.codegen import PositionState, generating
from fixit_codemods.walk import can_walk, walk
from libcst.metadata import (
    CodeRange,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
    Scope,
    ScopeProvider,
    scope_provider,
)
from libcst.metadata.expression_context_provider import ExpressionContext, ExpressionContextVisitor
from libcst.metadata.scope_provider import ScopeVisitor


def positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """`MetadataWrapper(module).resolve(PositionProvider)`, in one code generation pass."""
    return positions_and_code(module)[0]


def positions_and_code(module: cst.Module) -> tuple[Mapping[cst.CSTNode, CodeRange], str]:
    """`positions(module)`, and `module.code` from the same pass."""
    provider = PositionProvider()
    state = PositionState(default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
    with generating():
        module._codegen(state)
    return provider._computed, "".join(state.tokens)  # type: ignore[return-value]


def scopes(module: cst.Module) -> Mapping[cst.CSTNode, Scope | None]:
    """`MetadataWrapper(module).resolve(ScopeProvider)`."""
    return _scopes_and_contexts(module)[ScopeProvider]


def _scopes_and_contexts(module: cst.Module) -> dict[Any, Mapping[cst.CSTNode, Any]]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    contexts = ExpressionContextProvider()
    scope_provider = ScopeProvider()
    with _visitors_walk():
        # what each provider's `visit_Module` does, the rest of LibCST's batch pass being no-ops
        walk(module, ExpressionContextVisitor(contexts, ExpressionContext.LOAD))
        wrapper._metadata[ExpressionContextProvider] = MappingProxyType(dict(contexts._computed))
        with scope_provider.resolve(wrapper):  # the expression contexts, resolved above
            visitor = ScopeVisitor(scope_provider)
            walk(module, visitor)
            visitor.infer_accesses()
    return {
        ExpressionContextProvider: wrapper._metadata[ExpressionContextProvider],
        ScopeProvider: MappingProxyType(dict(scope_provider._computed)),
    }


@contextmanager
def _visitors_walk() -> Iterator[None]:
    """LibCST's scope and context visitors visit parts of the tree themselves (`node.body.visit(self)`
    from `visit_FunctionDef`): while they run, a visitor's `node.visit` walks (see `walk`; a
    visitor's `visit` returns the node it was given, so nothing else changes). Transformers are
    LibCST's own. And the ScopeVisitor's test of every node it leaves against its 18 assignment-like
    node classes (each one an ABCMeta check, a Python-level call) is one lookup by the node's type
    (`_AssignmentLike`). Undone on leaving, exceptions included: nothing outside this module sees it."""
    original = cst.CSTNode.visit
    replace_assignment_like = isinstance(_LIBCST_ASSIGNMENT_LIKE, tuple)

    def visit(self: cst.CSTNode, visitor: Any) -> Any:
        if isinstance(visitor, cst.CSTVisitor) and can_walk(visitor):
            walk(self, visitor)
            return self
        return original(self, visitor)

    cst.CSTNode.visit = visit  # type: ignore[method-assign]
    if replace_assignment_like:
        scope_provider._ASSIGNMENT_LIKE_NODES = _AssignmentLike  # type: ignore[attr-defined]
    try:
        yield
    finally:
        cst.CSTNode.visit = original  # type: ignore[method-assign]
        if replace_assignment_like:
            scope_provider._ASSIGNMENT_LIKE_NODES = _LIBCST_ASSIGNMENT_LIKE  # type: ignore[attr-defined]


# LibCST's own (a tuple of node classes in the LibCST versions this knows; anything else is left alone)
_LIBCST_ASSIGNMENT_LIKE = getattr(scope_provider, "_ASSIGNMENT_LIKE_NODES", None)


class _AssignmentLikeCheck(type):
    """`isinstance(node, _AssignmentLike)`: `isinstance(node, _LIBCST_ASSIGNMENT_LIKE)`, by type."""

    by_type: dict[type, bool] = {}

    def __instancecheck__(cls, instance: object) -> bool:
        kind = type(instance)
        found = _AssignmentLikeCheck.by_type.get(kind)
        if found is None:
            found = _AssignmentLikeCheck.by_type[kind] = isinstance(instance, _LIBCST_ASSIGNMENT_LIKE)
        return found


class _AssignmentLike(metaclass=_AssignmentLikeCheck):
    pass


class Metadata(MetadataWrapper):
    """A MetadataWrapper over the module itself (no copy: trees from the parser hold no node twice)
    that resolves positions and scopes with the functions above. `positions`: where the positions
    come from, when the caller has them (or checks them: see `SourceFile.metadata`)."""

    def __init__(
        self, module: cst.Module, positions: Callable[[], Mapping[cst.CSTNode, CodeRange]] | None = None
    ) -> None:
        super().__init__(module, unsafe_skip_copy=True)
        self._positions_from = positions

    def resolve_many(self, providers: Collection[Any]) -> Mapping[Any, Mapping[cst.CSTNode, object]]:
        wanted = _with_dependencies(providers)
        if PositionProvider in wanted and PositionProvider not in self._metadata:
            self._metadata[PositionProvider] = (
                self._positions_from() if self._positions_from is not None else positions(self.module)
            )
        if ScopeProvider in wanted and ScopeProvider not in self._metadata:
            self._metadata.update(_scopes_and_contexts(self.module))
        return super().resolve_many(providers)


def _with_dependencies(providers: Collection[Any]) -> set[Any]:
    found: set[Any] = set()
    pending = list(providers)
    while pending:
        provider = pending.pop()
        if provider not in found:
            found.add(provider)
            pending.extend(provider.METADATA_DEPENDENCIES)
    return found
