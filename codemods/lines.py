"""The line of every statement of a LibCST tree, read off the stdlib AST of the same text.

LibCST's PositionProvider generates the whole module's code again while tracking every node's
position: where a transform only asks on which line a statement, a `raise` or an `except` starts,
that is most of the cost of its rewrite. The stdlib parser already knows those lines (~10x cheaper
than LibCST's, and `SourceFile.ast` is usually parsed anyway): the two trees hold the same
statements in the same order, so walking them side by side gives each LibCST statement its line.

The answer is the line PositionProvider gives for the node's start: a decorated `def` or `class`
starts at `def`/`class`, a `SimpleStatementLine` at its first statement, an `elif` at `elif`, an
`except` clause at `except`. When the two trees do not line up (a construct the running Python
reads differently, see `modern_syntax`), `statement_lines` says None and the caller asks LibCST.
"""

from __future__ import annotations

import ast
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import libcst as cst
from fixit_codemods.metadata import positions_and_code
from fixit_codemods.sources import ROUND_TRIP_ERROR, SourceError
from fixit_codemods.walk import pruned, transform, walk, walk_dispatches
from libcst.metadata import CodeRange

# a line break as the parser counts them (a form feed ends no line)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# LibCST statement -> the stdlib node types that stand for it
_COMPOUND: dict[type[cst.CSTNode], tuple[type[ast.AST], ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
    cst.Match: (ast.Match,),
}
# `except*` is lowered to `except` where the running Python cannot read it (3.10), and
# `type X = V` to `X = V` before 3.12 (see `modern_syntax`)
_COMPOUND[cst.TryStar] = (ast.Try, *([ast.TryStar] if sys.version_info >= (3, 11) else []))
_SMALL: dict[type[cst.CSTNode], tuple[type[ast.AST], ...]] = {
    cst.Expr: (ast.Expr,),
    cst.Assign: (ast.Assign,),
    cst.AnnAssign: (ast.AnnAssign,),
    cst.AugAssign: (ast.AugAssign,),
    cst.Return: (ast.Return,),
    cst.Raise: (ast.Raise,),
    cst.Pass: (ast.Pass,),
    cst.Break: (ast.Break,),
    cst.Continue: (ast.Continue,),
    cst.Global: (ast.Global,),
    cst.Nonlocal: (ast.Nonlocal,),
    cst.Del: (ast.Delete,),
    cst.Assert: (ast.Assert,),
    cst.Import: (ast.Import,),
    cst.ImportFrom: (ast.ImportFrom,),
    cst.TypeAlias: (ast.Assign, *([ast.TypeAlias] if sys.version_info >= (3, 12) else [])),
}

Body = Sequence[cst.BaseStatement | cst.BaseSmallStatement]


class _Misaligned(Exception):
    """The two trees do not hold the same statements."""


class _Marks:
    """What the walk found: each node's line, and the nodes starting on each line."""

    def __init__(self) -> None:
        self.lines: dict[int, int] = {}
        self.by_line: dict[int, list[cst.CSTNode]] = {}
        self.spans: dict[int, tuple[int, int]] = {}  # id(statement) -> its first and last line

    def mark(self, node: cst.CSTNode, line: int) -> None:
        self.lines[id(node)] = line
        self.by_line.setdefault(line, []).append(node)

    def span(self, node: cst.CSTNode, first: int, last: int | None) -> None:
        if last is not None:
            self.spans[id(node)] = (first, last)


def statement_lines(module: cst.Module, tree: ast.Module) -> dict[int, int] | None:
    """id(node) -> first line, for every statement, small statement, `except` clause and named
    parameter of a `def` (not `*args`, `**kwargs`) in `module`, from `tree`, the stdlib AST of the
    same text. None when the trees do not line up."""
    marks = _statement_marks(module, tree)
    return marks.lines if marks is not None else None


def _statement_marks(module: cst.Module, tree: ast.Module) -> _Marks | None:
    marks = _Marks()
    try:
        _block(module.body, tree.body, marks)
    except (_Misaligned, RecursionError):  # statements nested deeper than the walk may go: ask LibCST
        return None
    return marks


def _block(body: Body, statements: list[ast.stmt], lines: _Marks) -> None:
    flat: list[cst.CSTNode] = []
    line_starts: list[tuple[cst.SimpleStatementLine, int]] = []  # each line, its first statement's index
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            line_starts.append((statement, len(flat)))
            flat.extend(statement.body)
        else:
            flat.append(statement)
    if len(flat) != len(statements) or any(index >= len(flat) for _, index in line_starts):
        raise _Misaligned
    for line, index in line_starts:
        lines.mark(line, statements[index].lineno)
        lines.span(line, statements[index].lineno, statements[index + len(line.body) - 1].end_lineno)
    for node, stdlib in zip(flat, statements):
        _statement(node, stdlib, lines)


def _statement(node: cst.CSTNode, stdlib: ast.stmt, lines: _Marks) -> None:
    kinds = _SMALL.get(type(node)) or _COMPOUND.get(type(node))
    if kinds is None or not isinstance(stdlib, kinds):
        raise _Misaligned
    lines.mark(node, stdlib.lineno)
    decorators: list[ast.expr] = getattr(stdlib, "decorator_list", [])
    lines.span(node, min([stdlib.lineno, *(decorator.lineno for decorator in decorators)]), stdlib.end_lineno)
    if isinstance(node, cst.FunctionDef):
        _parameters(node.params, stdlib.args, lines)  # type: ignore[attr-defined]
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.With)):
        _block(node.body.body, stdlib.body, lines)  # type: ignore[attr-defined]
    elif isinstance(node, (cst.For, cst.While)):
        _block(node.body.body, stdlib.body, lines)  # type: ignore[attr-defined]
        _orelse(node.orelse, stdlib.orelse, lines)  # type: ignore[attr-defined]
    elif isinstance(node, cst.If):
        assert isinstance(stdlib, ast.If)
        _block(node.body.body, stdlib.body, lines)
        if isinstance(node.orelse, cst.If):  # `elif`
            if len(stdlib.orelse) != 1:
                raise _Misaligned
            _statement(node.orelse, stdlib.orelse[0], lines)
        else:
            _orelse(node.orelse, stdlib.orelse, lines)
    elif isinstance(node, (cst.Try, cst.TryStar)):
        _try(node, stdlib, lines)  # type: ignore[arg-type]
    elif isinstance(node, cst.Match):
        assert isinstance(stdlib, ast.Match)
        if len(node.cases) != len(stdlib.cases):
            raise _Misaligned
        for case, stdlib_case in zip(node.cases, stdlib.cases):
            _block(case.body.body, stdlib_case.body, lines)


def _parameters(params: cst.Parameters, arguments: ast.arguments, lines: _Marks) -> None:
    """A parameter starts at its name (`*args` and `**kwargs` start at the star, which may stand on
    another line: those are left to LibCST)."""
    pairs = (
        (params.posonly_params, arguments.posonlyargs),
        (params.params, arguments.args),
        (params.kwonly_params, arguments.kwonlyargs),
    )
    for written, read in pairs:
        if len(written) != len(read):
            raise _Misaligned
        for param, arg in zip(written, read):
            lines.mark(param, arg.lineno)


def _orelse(orelse: cst.Else | None, statements: list[ast.stmt], lines: _Marks) -> None:
    if orelse is None:
        if statements:
            raise _Misaligned
        return
    _block(orelse.body.body, statements, lines)


def _try(node: cst.Try | cst.TryStar, stdlib: ast.Try, lines: _Marks) -> None:
    _block(node.body.body, stdlib.body, lines)
    if len(node.handlers) != len(stdlib.handlers):
        raise _Misaligned
    for handler, stdlib_handler in zip(node.handlers, stdlib.handlers):
        lines.mark(handler, stdlib_handler.lineno)
        _block(handler.body.body, stdlib_handler.body, lines)
    _orelse(node.orelse, stdlib.orelse, lines)
    finalbody = node.finalbody
    if finalbody is None:
        if stdlib.finalbody:
            raise _Misaligned
    else:
        _block(finalbody.body.body, stdlib.finalbody, lines)


@dataclass(frozen=True)
class TopLevelPieces:
    header_end: int  # offsets in the text
    footer_start: int
    statements: dict[int, tuple[cst.CSTNode, int, int]]  # id(statement) -> it, its start and end


class Lines:
    """Where the nodes of one LibCST module start and end: statement starts from the stdlib AST of
    the same text; anything else (an expression, an end, or every node when the trees do not line
    up) from LibCST's PositionProvider, computed the first time it is needed."""

    def __init__(self, module: cst.Module, tree: ast.Module | None, text: str | None = None) -> None:
        self.module = module
        self._marks = _statement_marks(module, tree) if tree is not None else None
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None
        # the text the module was parsed from: positions are only given where LibCST gives it back
        self._text = text

    def start(self, node: cst.CSTNode) -> int:
        """The line `node` starts on, as PositionProvider says."""
        line = self._marks.lines.get(id(node)) if self._marks is not None else None
        return line if line is not None else self.positions[node].start.line

    def statements_at(self, line: int) -> list[cst.CSTNode] | None:
        """The statements (and `except` clauses, parameters) starting on `line`; None when the
        stdlib tree could not be read alongside (then only PositionProvider knows)."""
        return list(self._marks.by_line.get(line, ())) if self._marks is not None else None

    def may_hold(self, node: cst.CSTNode, lines: Sequence[int]) -> bool:
        """Whether `node` may hold something on one of `lines` (sorted): False only for a statement
        the stdlib tree shows to lie wholly between them."""
        span = self._marks.spans.get(id(node)) if self._marks is not None else None
        if span is None:
            return True
        at = bisect_left(lines, span[0])
        return at < len(lines) and lines[at] <= span[1]

    def end(self, node: cst.CSTNode) -> int:
        return self.positions[node].end.line

    @property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """PositionProvider's map. Raises SourceError when LibCST does not give the text back
        byte for byte: every position after the first difference would be wrong."""
        if self._positions is None:
            found, code = positions_and_code(self.module)
            if self._text is not None and code != self._text:
                raise SourceError(ROUND_TRIP_ERROR)
            self._positions = found
        return self._positions

    def top_level_pieces(self) -> TopLevelPieces | None:
        """Where the header, each top-level statement and the footer of the module lie in its text,
        without generating code: a statement's text runs from its first line (from the
        stdlib tree, decorators included) less its leading blank and comment lines, to the next
        statement's. None without the text, when the stdlib tree did not line up or the module ends
        without a newline. Not checked here: see `SourceFile.code_of`, which checks every piece it drops."""
        module, text = self.module, self._text
        if text is None or self._marks is None or not module.body or not module.has_trailing_newline:
            return None
        line_starts = [0, *(found.end() for found in _LINE_BREAK.finditer(text))]
        starts = []
        for statement in module.body:
            span = self._marks.spans.get(id(statement))
            if span is None:
                return None
            first = span[0] - len(statement.leading_lines)
            if not 1 <= first <= len(line_starts):
                return None
            starts.append(line_starts[first - 1])
        footer_line = len(line_starts) - 1 - len(module.footer)  # the footer's lines end the text
        if footer_line < 0 or line_starts[-1] != len(text):
            return None
        ends = [*starts[1:], line_starts[footer_line]]
        if any(start > end for start, end in zip(starts, ends)):
            return None
        statements = {id(node): (node, start, end) for node, start, end in zip(module.body, starts, ends)}
        return TopLevelPieces(starts[0], ends[-1], statements)


def visit_near(
    module: cst.Module, transformer: cst.CSTTransformer | cst.CSTVisitor, where: Lines, lines: Iterable[int]
) -> cst.Module:
    """`module.visit(transformer)` for a transformer (or visitor) that acts on nothing but what lies
    on `lines`: the statements wholly elsewhere are not visited inside. The statements themselves
    are still visited and left, so `visit_X`/`leave_X` stay paired; what lies inside them is not seen.
    A transformer rebuilds only what it changes (`walk.transform`)."""
    wanted = sorted(set(lines))

    def inside(node: cst.CSTNode) -> bool:
        return where.may_hold(node, wanted)

    if isinstance(transformer, cst.CSTTransformer):
        return cast(cst.Module, transform(module, transformer, inside=inside))
    if walk_dispatches(transformer):
        walk(module, transformer, inside=inside)
    else:
        with pruned(transformer, inside):
            walk(module, transformer)
    return module


def lines_naming(text: str, names: Iterable[str]) -> list[int]:
    """The lines of `text` (as the parser counts them: a form feed ends none) on which one of
    `names` stands as a whole word, in code, a comment or a string alike: for `visit_near`, where
    a transform acts only on code that spells one of them."""
    words = sorted(set(names))
    if not words:
        return []
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")
    breaks = [found.end() for found in _LINE_BREAK.finditer(text)]
    return sorted({bisect_right(breaks, found.start()) + 1 for found in pattern.finditer(text)})

