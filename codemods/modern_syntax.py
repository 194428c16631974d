"""Read any syntax LibCST reads, whatever Python fixit runs on.

The stdlib `ast` is the fast path for facts and pre-checks, but it only reads the grammar of the
running interpreter: on 3.11 a module with `class Reply[T]:`, a `type` statement, a PEP 701
f-string or a PEP 758 `except A, B:` is a `SyntaxError`. LibCST's parser reads Python 3.0–3.14 on
any interpreter. When the stdlib fails, LibCST parses the module and `lower()` rewrites the few
newer constructs into older spellings *on the same lines*, so the stdlib AST of the lowered text
has the line numbers of the original:

- PEP 695 type parameters (`class A[T]`, `def f[T]()`) are dropped;
- `type X[T] = V` becomes `X = V` (a type alias is an alias to every fact the engine keeps);
- `except A, B:` (PEP 758) and `except* E:` (for 3.10) get the older spelling;
- an f-string (PEP 701) or t-string (PEP 750) the running Python cannot read keeps its literal
  text and has each replacement field replaced by a placeholder name `_`, padded with newlines so
  everything after it keeps its line.

Lowering is only for reading. Files are always rewritten through LibCST on the original text, and
`check_parses` validates output with LibCST's parser plus the lowered stdlib parse, so it does not
depend on the running interpreter either.
"""

from __future__ import annotations

import ast
import warnings
from typing import Union

import libcst as cst
from fixit_codemods.codegen import code_for_node

PLACEHOLDER = "_"

AnyFormattedString = Union[cst.FormattedString, cst.TemplatedString]


class _Lowering(cst.CSTTransformer):
    """Rewrites what the running Python may not read into spellings it reads, line for line."""

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        if updated_node.type_parameters is None:
            return updated_node
        return updated_node.with_changes(
            type_parameters=None, whitespace_after_type_parameters=cst.SimpleWhitespace("")
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated_node.type_parameters is None:
            return updated_node
        return updated_node.with_changes(
            type_parameters=None, whitespace_after_type_parameters=cst.SimpleWhitespace("")
        )

    def leave_TypeAlias(self, original_node: cst.TypeAlias, updated_node: cst.TypeAlias) -> cst.Assign:
        return cst.Assign(targets=[cst.AssignTarget(updated_node.name)], value=updated_node.value)

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        kind = updated_node.type
        if isinstance(kind, cst.Tuple) and not kind.lpar:  # PEP 758: `except A, B:`
            return updated_node.with_changes(
                type=kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]),
                whitespace_after_except=cst.SimpleWhitespace(" "),
            )
        return updated_node

    def leave_TryStar(self, original_node: cst.TryStar, updated_node: cst.TryStar) -> cst.Try:
        # `except*` is 3.11+: on 3.10 the facts of a plain `except` are the same facts
        handlers = [
            cst.ExceptHandler(
                body=handler.body,
                type=_parenthesised_if_tuple(handler.type),
                name=handler.name,
                leading_lines=handler.leading_lines,
                whitespace_after_except=cst.SimpleWhitespace(" "),
                whitespace_before_colon=handler.whitespace_before_colon,
            )
            for handler in updated_node.handlers
        ]
        return cst.Try(
            body=updated_node.body,
            handlers=handlers,
            orelse=updated_node.orelse,
            finalbody=updated_node.finalbody,
            leading_lines=updated_node.leading_lines,
            whitespace_before_colon=updated_node.whitespace_before_colon,
        )

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        return _readable_string(original_node)

    def leave_TemplatedString(
        self, original_node: cst.TemplatedString, updated_node: cst.TemplatedString
    ) -> cst.BaseExpression:
        return _readable_string(original_node)


def _parenthesised_if_tuple(kind: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(kind, cst.Tuple) and not kind.lpar:
        return kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return kind


def _code(node: cst.CSTNode) -> str:
    return code_for_node(node)


def _readable_string(node: AnyFormattedString) -> cst.BaseExpression:
    """`node` itself when the running Python reads it, else a stand-in on the same lines."""
    code = _code(node)
    if not code.startswith(("t", "T")) and _reads_as_expression(code):
        return node
    prefix = node.prefix.replace("t", "f").replace("T", "f")
    if "f" not in prefix.lower():
        prefix += "f"
    quote = node.quote
    triple = quote if len(quote) == 3 else quote * 3
    lines_wanted = code.count("\n")
    pieces: list[str] = []
    for part in node.parts:
        if isinstance(part, (cst.FormattedStringText, cst.TemplatedStringText)):
            pieces.append(part.value)
        else:
            pieces.append("{" + PLACEHOLDER + "}")
    body = "".join(pieces)
    padding = lines_wanted - body.count("\n")
    if padding > 0:
        # a replacement field may span lines inside a triple-quoted string on every Python 3
        last = body.rfind("{" + PLACEHOLDER + "}")
        if last == -1:
            body += "{" + PLACEHOLDER + "\n" * padding + "}"
        else:
            cut = last + 1 + len(PLACEHOLDER)
            body = body[:cut] + "\n" * padding + body[cut:]
    stand_in = f"{prefix}{triple}{body}{triple}"
    if not _reads_as_expression(stand_in):
        # a literal part the older grammar still cannot read: keep only the line count
        stand_in = f"{prefix}{triple}{{{PLACEHOLDER}{chr(10) * lines_wanted}}}{triple}"
    return cst.parse_expression(stand_in).with_changes(lpar=node.lpar, rpar=node.rpar)


def _reads_as_expression(code: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile("(\n" + code + "\n)", "<string>", "eval", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def lower(module: cst.Module) -> str:
    """The code of `module` in spellings the running Python reads, every statement on its line."""
    return module.visit(_Lowering()).code


class UnreadableSource(Exception):
    """Neither the stdlib nor LibCST reads the text: a genuine syntax error (line and message)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"syntax error at line {line}: {message}" if line else f"syntax error: {message}")
        self.line = line
        self.message = message


def parse_ast(text: str, filename: str = "<unknown>") -> ast.Module:
    """The stdlib AST of `text`, whatever its Python 3 syntax. Raises `UnreadableSource`."""
    try:
        return _stdlib_parse(text, filename)
    except (SyntaxError, ValueError) as error:
        stdlib_error = error
    try:
        module = cst.parse_module(text)
        return _stdlib_parse(lower(module), filename)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError) as error:
        # neither reads it (or LibCST read it and the lowered text is still not Python): the
        # running interpreter's message names the line most precisely
        line = getattr(stdlib_error, "lineno", None)
        message = getattr(stdlib_error, "msg", None) or str(stdlib_error)
        raise UnreadableSource(line, message) from error


def _stdlib_parse(text: str, filename: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, filename=filename)
