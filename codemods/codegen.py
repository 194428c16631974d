"""LibCST's code generation for less: the same tokens, the same positions.

LibCST's codegen states wrap the code of most nodes in `record_syntactic_position`, a generator-based
context manager: a generator, its frame and contextlib's bookkeeping for every node, also where it
records nothing (the plain state used for `module.code`). And the position-tracking state splits every
token with a regular expression to find line breaks that almost no token holds. The states below do
the same with a plain object and a membership test:
- `code_of_nodes(module, nodes)`: the code of `nodes` (of `module`), as `module.code_for_node` gives it;
  `module_code(module)`: `module.code`;
- `PositionState`: PositionProvider's state (see `fixit_codemods.metadata.positions`);
- `parser_output_unvalidated()`: while the parser builds a tree, its nodes skip `_validate` (every
  node's constructor runs it; the parser only builds what validates: LibCST's own comment on
  `CSTNode.__post_init__` suggests as much). Nodes a transform builds are validated as ever.
`tests/test_metadata.py` and `tests/test_sources.py` check them equal to LibCST's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState


class _NoPosition:
    """`record_syntactic_position` of a state that records none: enters and leaves, nothing else."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


_NO_POSITION = _NoPosition()


class _PlainState(CodegenState):
    __slots__ = ()

    def record_syntactic_position(self, node: Any, *, start_node: Any = None, end_node: Any = None) -> Any:
        return _NO_POSITION


def code_of_nodes(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> str:
    """The code of `nodes` one after the other, in `module`'s indent and newline, at the top level."""
    state = _PlainState(default_indent=module.default_indent, default_newline=module.default_newline)
    for node in nodes:
        node._codegen(state)
    return "".join(state.tokens)


def module_code(module: cst.Module) -> str:
    """`module.code`."""
    return code_of_nodes(module, (module,))


class _SyntacticPosition:
    """LibCST's `PositionProvidingCodegenState.record_syntactic_position`, as an object: the node's
    range from where its code starts to where it ends, or those of the nodes it names."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: PositionState, node: Any, start_node: Any, end_node: Any) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = CodePosition(self.state.line, self.state.column)

    def __exit__(self, *exc_info: object) -> None:
        state = self.state
        computed = state.provider._computed  # type: ignore[attr-defined]
        end = CodePosition(state.line, state.column)
        start = computed[self.start_node].start if self.start_node is not None else self.start
        end = computed[self.end_node].end if self.end_node is not None else end
        computed[self.node] = CodeRange(start, end)


class PositionState(PositionProvidingCodegenState):
    """PositionProvider's codegen state: a token without a line break only moves the column."""

    __slots__ = ()

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            self._update_position(value)
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def record_syntactic_position(self, node: Any, *, start_node: Any = None, end_node: Any = None) -> Any:
        return _SyntacticPosition(self, node, start_node, end_node)


def _unvalidated(self: CSTNode) -> None:
    return None


@contextmanager
def parser_output_unvalidated() -> Iterator[None]:
    """Nodes built while this runs skip `CSTNode._validate` (for `cst.parse_module` only)."""
    validated = CSTNode.__dict__["__post_init__"]
    CSTNode.__post_init__ = _unvalidated  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = validated  # type: ignore[method-assign]
