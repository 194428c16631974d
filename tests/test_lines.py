"""Statement lines read off the stdlib AST are the lines LibCST's PositionProvider gives."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from conftest import golden_and_example_files
from fixit_codemods.lines import Lines, statement_lines
from fixit_codemods.modern_syntax import parse_ast
from libcst.metadata import MetadataWrapper, PositionProvider

SHAPES = {
    "decorated": "import x\n\n\n@decorator(\n    1,\n)\n@other\nasync def f(a,\n      b):\n    '''doc'''\n    return a\n",
    "parameters": "def f(\n    a, /,\n    b: int = 1,\n    *args,\n    c,\n    d=lambda x,\n      y: 1,\n    **kw,\n): pass\ndef g(*, e): pass\n",
    "elif chain": "if a:\n    pass\nelif b:\n    x = 1\nelif c: y = 2; z = 3\nelse:\n    if d:\n        pass\n",
    "else holding an if": "if a:\n    pass\nelse:\n    if b:\n        pass\n",
    "try": (
        "try:\n    f()\nexcept (ValueError,\n        KeyError) as e:\n    raise X(\n        str(e)\n    ) from e\n"
        "except Exception:\n    pass\nelse:\n    g()\nfinally:\n    h()\n"
    ),
    "except star": "try:\n    f()\nexcept* ValueError:\n    pass\n",
    "loops": "for i in x:\n    continue\nelse:\n    break\nwhile y:\n    del z\nasync def g():\n    async for a in b: pass\n    async with c as d:\n        global q\n",
    "match": "match p:\n    case [a, *rest]:\n        pass\n    case {'k': v}:\n        raise E\n    case _:\n        pass\n",
    "comments and blank lines": "# head\n\n\nx = 1  # one\n\n# before\n\n\nclass C:\n\n    # inside\n    y: int = 2\n\n    def m(self): return 1\n",
    "line continuation": "x = \\\n    1\nassert x, \\\n    'message'\n",
    "one-line suites": "class E(Exception): pass\nif a: b(); c()\nwith f() as g: h()\n",
    "type syntax": "type Alias[T] = list[T]\nclass Box[T]:\n    def get[U](self) -> U: ...\n",
    "form feed": "x = 1\n\x0c\ndef f():\n    return 2\n",
    "crlf": "if a:\r\n    b = 1\r\nelse:\r\n    c = 2\r\n",
}

KINDS = (cst.BaseStatement, cst.BaseSmallStatement, cst.ExceptHandler, cst.ExceptStarHandler, cst.Param)
NOT_LOOKED_UP = (cst.Else, cst.Finally, cst.MatchCase)  # the stdlib has no node for these


class _Statements(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []
        self.skipped: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Parameters):
            # `*args` and `**kwargs` start at their star, which may stand on another line: not looked up
            self.skipped.update(id(star) for star in (node.star_arg, node.star_kwarg) if isinstance(star, cst.Param))
        if isinstance(node, KINDS) and not isinstance(node, NOT_LOOKED_UP) and id(node) not in self.skipped:
            self.nodes.append(node)
        return not isinstance(node, cst.Lambda)  # a lambda's parameters are not looked up


def assert_same_lines(text: str) -> int:
    module = cst.parse_module(text)
    lines = statement_lines(module, parse_ast(text, "case.py"))
    assert lines is not None, "the two trees line up"
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    finder = _Statements()
    module.visit(finder)
    for node in finder.nodes:
        assert lines.get(id(node)) == positions[node].start.line, type(node).__name__
    return len(finder.nodes)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_lines_of_shapes(shape: str) -> None:
    assert assert_same_lines(SHAPES[shape]) > 0


def test_lines_of_goldens_and_example() -> None:
    checked = 0
    for path in golden_and_example_files():
        text = path.read_text(encoding="utf-8")
        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue  # golden cases of files that do not parse
        checked += assert_same_lines(text)
    assert checked > 1000


def test_trees_that_do_not_line_up_give_none() -> None:
    module = cst.parse_module("x = 1\ny = 2\n")
    assert statement_lines(module, ast.parse("x = 1\n")) is None
    assert statement_lines(module, ast.parse("if x:\n    pass\ny = 2\n")) is None


def test_lines_falls_back_to_positions() -> None:
    """Expressions, ends, and every node when the trees do not line up: LibCST's positions."""
    text = "def f():\n    return g(\n        1,\n    )\n"
    module = cst.parse_module(text)
    function = cst.ensure_type(module.body[0], cst.FunctionDef)
    line = cst.ensure_type(cst.ensure_type(function.body, cst.IndentedBlock).body[0], cst.SimpleStatementLine)
    call = cst.ensure_type(cst.ensure_type(line.body[0], cst.Return).value, cst.Call)
    lines = Lines(module, ast.parse(text))
    assert (lines.start(function), lines.start(call), lines.end(function)) == (1, 2, 4)
    misaligned = Lines(module, ast.parse("pass\n"))
    assert (misaligned.start(function), misaligned.start(line)) == (1, 2)


def test_statements_nested_deeper_than_the_walk_go_to_positions() -> None:
    import sys

    depth = 60
    text = "".join("    " * level + f"if x{level}:\n" for level in range(depth)) + "    " * depth + "pass\n"
    module = cst.parse_module(text)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(120)  # below what the walk needs for 60 levels, above what pytest needs here
    try:
        marks = statement_lines(module, ast.parse(text))
    finally:
        sys.setrecursionlimit(limit)
    assert marks is None
    lines = Lines(module, None)
    assert lines.start(module.body[0]) == 1


WHITESPACE = (
    cst.EmptyLine, cst.TrailingWhitespace, cst.Newline, cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.Comment
)


class _Descendants(cst.CSTVisitor):
    """Every node with its enclosing statements."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[cst.CSTNode] = []
        self.within: list[tuple[cst.CSTNode, list[cst.CSTNode]]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.within.append((node, list(self.open)))
        if isinstance(node, (cst.BaseCompoundStatement, cst.SimpleStatementLine, cst.BaseSmallStatement)):
            self.open.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.open and self.open[-1] is original_node:
            self.open.pop()


def assert_spans_hold_their_nodes(text: str) -> int:
    """What `visit_near` relies on: every node inside a statement starts within its span, and a
    decorated definition's span starts at its first decorator."""
    module = cst.parse_module(text)
    lines = Lines(module, parse_ast(text, "case.py"))
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    finder = _Descendants()
    module.visit(finder)
    checked = 0
    for node, statements in finder.within:
        if node not in positions or isinstance(node, WHITESPACE):
            continue  # the blank lines and comments above a statement are no site
        line = positions[node].start.line
        for statement in statements:
            assert lines.may_hold(statement, [line]), (type(statement).__name__, type(node).__name__, line)
            checked += 1
    return checked


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_statement_spans_hold_every_node_inside(shape: str) -> None:
    assert assert_spans_hold_their_nodes(SHAPES[shape]) > 0


def test_statement_spans_of_goldens_and_example() -> None:
    checked = 0
    for path in golden_and_example_files():
        text = path.read_text(encoding="utf-8")
        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        checked += assert_spans_hold_their_nodes(text)
    assert checked > 10000


def test_may_hold_is_false_only_for_statements_wholly_elsewhere() -> None:
    text = "x = 1\n\n@d\ndef f():\n    y = 2\n    return y\n\nz = 3\n"
    module = cst.parse_module(text)
    lines = Lines(module, ast.parse(text))
    first, function, last = module.body
    assert [lines.may_hold(function, [n]) for n in range(1, 9)] == [False, False, True, True, True, True, False, False]
    assert lines.may_hold(first, [1, 8]) and lines.may_hold(last, [1, 8]) and not lines.may_hold(first, [2, 3])
    value = cst.ensure_type(cst.ensure_type(first, cst.SimpleStatementLine).body[0], cst.Assign).value
    assert lines.may_hold(value, [])  # not a statement: always
    assert all(Lines(module, None).may_hold(node, []) for node in module.body)  # no stdlib tree: no pruning


class _Rename(cst.CSTTransformer):
    """x -> renamed, counting the names it is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.entered: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.entered.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        assert self.entered.pop() == original_node.name.value  # visits and leaves stay paired
        return updated_node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        self.seen += 1
        return updated_node.with_changes(value="renamed") if updated_node.value == "x" else updated_node


def test_visit_near_edits_the_lines_asked_and_enters_nothing_else() -> None:
    from fixit_codemods.lines import visit_near

    text = "def f():\n    return x\n\n\ndef g():\n    a = b + c\n    return x\n\nx = 1; y = x\n"
    module = cst.parse_module(text)
    full, near = _Rename(), _Rename()
    everywhere = module.visit(full).code
    assert everywhere.count("renamed") == 4
    only_line_7 = visit_near(module, near, Lines(module, ast.parse(text)), [7])
    assert only_line_7.code == text.replace("    return x\n\nx", "    return renamed\n\nx")
    assert near.seen < full.seen and not near.entered
    assert visit_near(module, _Rename(), Lines(module, ast.parse(text)), [2, 7, 9]).code == everywhere


def test_lines_naming_counts_lines_as_the_parser_does() -> None:
    from fixit_codemods.lines import lines_naming

    text = "a = Depends\r\nb = 1\r\x0cc = NotDepends; Depends()\n# Depends\nd = Depends_x\ne = x.Depends\n"
    assert lines_naming(text, ["Depends"]) == [1, 3, 4, 6]
    assert [node.lineno for node in ast.parse(text).body] == [1, 2, 3, 3, 5, 6]  # the form feed ends no line
    assert lines_naming(text, []) == [] and lines_naming(text, ["b", "d"]) == [2, 5]
