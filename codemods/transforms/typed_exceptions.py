"""`typed-exceptions`: string-matched ValueErrors become typed exceptions.

The plan reads as little as it can. First the catch sites: among the files holding `except
ValueError`, those whose bytes show a clause of ValueError binding a name the file reads as a
message (`str(e)`, `e.args`); then, on their stdlib ast, the `try` statements with a handler that
reads the message and compares something; only those statements are parsed with LibCST, each on
its own lines, to read the handler's branches (`"…" in str(e)`, `.lower()`, `.startswith`,
`e.args[0]`, if/elif/else chains, `or` of phrases). Then the raise sites: only the files whose
bytes hold a tested phrase (every word of it, its start up to a break between literals) are
parsed (stdlib `ast`) to find every string that can carry a phrase into a handler. Names resolve
through a project index that reads a module the first time a resolution reaches it. Decisions
are made once, in the main process, and the rewrite phase only applies them.
"""

from __future__ import annotations

import ast
import builtins
import enum
import io
import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import libcst as cst
from fixit_codemods.api import Action, FileRewrite, NewFile, Option, Safety, Site, Transform, parse_list
from fixit_codemods.ast_walk import child_nodes, walk_ast
from fixit_codemods.codegen import code_for_node, parser_output_unvalidated
from fixit_codemods.cst_helpers import (
    ImportSpec,
    StatementTransformer,
    add_imports,
    comments_within,
    dotted,
    remove_unused_imports,
)
from fixit_codemods.index import ModuleFacts, ProjectIndex, dotted_name, module_facts
from fixit_codemods.lines import Lines, visit_near
from fixit_codemods.model import RaiseSummary, SemanticModel, is_unreadable
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile
from fixit_codemods.walk import walk

# -- the phrase table ------------------------------------------------------------------------

DEFAULT_CLASSES: dict[str, str] = {
    "not found": "ResourceNotFoundError",
    "does not exist": "ResourceNotFoundError",
    "no such": "ResourceNotFoundError",
    "already exists": "ResourceExistsError",
    "already registered": "ResourceExistsError",
    "duplicate": "ResourceExistsError",
    "permission": "PermissionDeniedError",
    "not allowed": "PermissionDeniedError",
    "forbidden": "PermissionDeniedError",
    "not authorized": "PermissionDeniedError",
    "unauthorized": "PermissionDeniedError",
    "invalid": "InvalidInputError",
}
CLASS_DOCS: dict[str, str] = {
    "ResourceNotFoundError": "The requested resource does not exist.",
    "ResourceExistsError": "The resource to create already exists.",
    "PermissionDeniedError": "The caller may not perform this operation.",
    "InvalidInputError": "The input is not acceptable.",
}
# Words Python itself and common libraries put in their own ValueError messages (int(), Enum,
# datetime, uuid, pydantic...). A handler phrase found inside one of these may come from code the
# tool cannot see, so its string test is always kept.
DEFAULT_EXTERNAL_PHRASES: tuple[str, ...] = (
    "invalid",
    "must be",
    "could not convert",
    "is not a valid",
    "out of range",
    "too many values",
    "not enough values",
    "unknown",
    "empty",
    "does not match",
    "expected",
    "not in list",
    "badly formed",
    "format",
)
INERT_CALLEES = (
    "fastapi.HTTPException",
    "fastapi.exceptions.HTTPException",
    "starlette.exceptions.HTTPException",
    "fastapi.responses.",
    "starlette.responses.",
)
# Builtin exceptions an `except ValueError` never catches: strings raised with them are inert.
INERT_BUILTINS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException) and not issubclass(value, ValueError)
)
VALUE_ERROR_NAMES = ("ValueError", "builtins.ValueError")
# `except Exception as e` handlers that classify by message are read too: every error arrives there
BROAD_NAMES = ("Exception", "builtins.Exception")
CAUGHT_NAMES = VALUE_ERROR_NAMES + BROAD_NAMES
# The HTTP errors FastAPI answers with: one raised in a try block must reach FastAPI as it is
HTTP_EXCEPTIONS = ("fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException")
def is_inert_callee(qualified: str) -> bool:
    """HTTP exceptions and responses: a string given to them never becomes a ValueError message."""
    return any(qualified == c or (c.endswith(".") and qualified.startswith(c)) for c in INERT_CALLEES)


def parse_classes(value: Any) -> dict[str, str]:
    """`{"quota exceeded" = "QuotaExceededError"}` in TOML, or `quota exceeded=QuotaExceededError,…`."""
    if isinstance(value, dict):
        pairs = [(str(key), str(name)) for key, name in value.items()]
    else:
        pairs = []
        for item in re.split(r"[,;]", str(value)):
            if item.strip():
                phrase, equals, name = item.partition("=")
                if not equals:
                    raise ValueError(f"expected PHRASE=ClassName, got `{item.strip()}`")
                pairs.append((phrase, name))
    classes = {phrase.strip().lower(): name.strip() for phrase, name in pairs}
    bad = [name for name in classes.values() if not name.isidentifier()]
    if bad:
        raise ValueError(f"not a class name: {', '.join(bad)}")
    return classes


def class_name_for(phrase: str, overrides: dict[str, str]) -> str | None:
    """The class for a phrase: the option, else the default table, else derived from its words."""
    key = phrase.lower()
    if key in overrides:
        return overrides[key]
    if key in DEFAULT_CLASSES:
        return DEFAULT_CLASSES[key]
    words = re.findall(r"[A-Za-z0-9]+", phrase)
    if not words or not words[0][0].isalpha():
        return None
    name = "".join(word[:1].upper() + word[1:] for word in words)
    return name if name.endswith("Error") else f"{name}Error"


# -- message tests ---------------------------------------------------------------------------

# A message as the code builds it: literal parts, None where a value is interpolated.
Template = tuple["str | None", ...]


class Verdict(enum.Enum):
    NO = "no"
    YES = "yes"
    MAYBE = "maybe"  # depends on the interpolated values


@dataclass(frozen=True)
class MessageTest:
    """One phrase test of a handler: `phrase in str(e)` (kind "contains"), `.startswith`, ..."""

    phrase: str
    kind: str = "contains"  # contains | startswith | endswith | equals
    ignore_case: bool = False  # the handler lowered the message first
    fragile: bool = False  # read through e.args[0], which itself raises for some errors

    def fold(self, text: str) -> str:
        return text.lower() if self.ignore_case else text

    def mentions(self, text: str) -> bool:
        """Whether a string used anywhere could put this phrase into a message."""
        return self.phrase in self.fold(text)

    def verdict(self, template: Template) -> Verdict:
        """Whether a message built from `template` passes the test, interpolated values being data
        that does not itself hold a handler's phrase."""
        if all(part is not None for part in template):
            return Verdict.YES if self.holds("".join(template)) else Verdict.NO  # type: ignore[arg-type]
        literal = [self.fold(part) for part in template if part is not None]
        if self.kind == "contains":
            return Verdict.YES if any(self.phrase in part for part in literal) else Verdict.NO
        if self.kind == "equals":
            return Verdict.MAYBE if all(part in self.phrase for part in literal) else Verdict.NO
        at_end = self.kind == "endswith"
        return self.edge_verdict(template[-1] if at_end else template[0], at_end)

    def holds(self, text: str) -> bool:
        text = self.fold(text)
        if self.kind == "startswith":
            return text.startswith(self.phrase)
        if self.kind == "endswith":
            return text.endswith(self.phrase)
        if self.kind == "equals":
            return text == self.phrase
        return self.phrase in text

    def edge_verdict(self, part: str | None, at_end: bool) -> Verdict:
        if part is None:
            return Verdict.MAYBE
        text = self.fold(part)
        if len(text) >= len(self.phrase):
            found = text.endswith(self.phrase) if at_end else text.startswith(self.phrase)
            return Verdict.YES if found else Verdict.NO
        could = self.phrase.endswith(text) if at_end else self.phrase.startswith(text)
        return Verdict.MAYBE if could else Verdict.NO


# -- reading a handler (LibCST; shared by the plan and the rewrite) ----------------------------

CASE_FOLDERS = ("lower", "casefold")
EDGE_METHODS = {"startswith": "startswith", "endswith": "endswith"}
TYPE_REVEALERS = ("repr", "type", "ascii")


def literal_text(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def block_statements(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    """The statements of a block; a one-line suite becomes one statement line."""
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=block.body)]
    return list(block.body)  # type: ignore[arg-type]


def else_statements(node: cst.If) -> list[cst.BaseStatement]:
    if node.orelse is None:
        return []
    if isinstance(node.orelse, cst.If):
        return [node.orelse]
    return block_statements(node.orelse.body)


def terminates(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    return any(
        isinstance(small, (cst.Raise, cst.Return, cst.Continue, cst.Break)) for small in statement.body
    )


def reachable(statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The statements up to and including the first that always leaves the block."""
    kept: list[cst.BaseStatement] = []
    for statement in statements:
        kept.append(statement)
        if terminates(statement):
            break
    return kept


class MessageReader:
    """Recognises, inside one `except ... as <name>` handler, the expressions that read the
    exception's message and the conditions that test it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.aliases: dict[str, tuple[bool, bool]] = {}  # local name -> (lowered, fragile)

    def is_exception(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == self.name

    def is_first_arg(self, node: cst.BaseExpression) -> bool:
        """`e.args[0]`."""
        if not (isinstance(node, cst.Subscript) and len(node.slice) == 1):
            return False
        index = node.slice[0].slice
        return (
            isinstance(node.value, cst.Attribute)
            and self.is_exception(node.value.value)
            and node.value.attr.value == "args"
            and isinstance(index, cst.Index)
            and isinstance(index.value, cst.Integer)
            and index.value.value == "0"
        )

    def message(self, node: cst.BaseExpression) -> tuple[bool, bool] | None:
        """(lowered, fragile) when `node` is the message: str(e), e.args[0], their .lower(), an alias."""
        if isinstance(node, cst.Name) and node.value in self.aliases:
            return self.aliases[node.value]
        if self.is_first_arg(node):
            return (False, True)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "str":
            if len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star:
                inner = node.args[0].value
                if self.is_exception(inner):
                    return (False, False)
                if self.is_first_arg(inner):
                    return (False, True)
            return None
        if (
            isinstance(node, cst.Call)
            and not node.args
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in CASE_FOLDERS
        ):
            inner_message = self.message(node.func.value)
            return (True, inner_message[1]) if inner_message else None
        return None

    def alias_assignment(self, statement: cst.BaseStatement) -> tuple[str, tuple[bool, bool]] | None:
        """`msg = str(e)` (or any message expression): the alias it introduces."""
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
            return None
        small = statement.body[0]
        if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
            return None
        target = small.targets[0].target
        message = self.message(small.value)
        if isinstance(target, cst.Name) and message is not None and target.value != self.name:
            return target.value, message
        return None

    def tests(self, node: cst.BaseExpression) -> tuple[MessageTest, ...] | None:
        """The phrase tests a condition is made of (an `or` of them), or None if it is not one."""
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            left, right = self.tests(node.left), self.tests(node.right)
            return left + right if left is not None and right is not None else None
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            return self.comparison_test(node.left, node.comparisons[0])
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            return self.edge_tests(node)
        return None

    def comparison_test(
        self, left: cst.BaseExpression, target: cst.ComparisonTarget
    ) -> tuple[MessageTest, ...] | None:
        operator, right = target.operator, target.comparator
        if isinstance(operator, cst.In):
            phrase, message = literal_text(left), self.message(right)
            kind = "contains"
        elif isinstance(operator, cst.Equal):
            phrase = literal_text(left) if literal_text(left) is not None else literal_text(right)
            message = self.message(right) or self.message(left)
            kind = "equals"
        else:
            return None
        if phrase is None or message is None or not phrase:
            return None
        return (MessageTest(phrase, kind, *message),)

    def edge_tests(self, call: cst.Call) -> tuple[MessageTest, ...] | None:
        method = call.func.attr.value  # type: ignore[attr-defined]
        message = self.message(call.func.value)  # type: ignore[attr-defined]
        if method not in EDGE_METHODS or message is None or len(call.args) != 1 or call.args[0].keyword:
            return None
        argument = call.args[0].value
        items = [e.value for e in argument.elements] if isinstance(argument, cst.Tuple) else [argument]
        phrases = [literal_text(item) for item in items]
        if not phrases or any(not phrase for phrase in phrases):
            return None
        return tuple(MessageTest(phrase, EDGE_METHODS[method], *message) for phrase in phrases)  # type: ignore[arg-type]


@dataclass
class Branch:
    node: cst.If  # the `if` (or `elif`) whose test selects this branch
    tests: tuple[MessageTest, ...]
    body: list[cst.BaseStatement]  # what runs when the test holds (including code after the chain)


@dataclass
class HandlerShape:
    """An `except ValueError as e` handler read as: preamble, chain of phrase tests, default."""

    name: str
    pre: list[cst.BaseStatement]
    chain: list[cst.BaseStatement]  # the statements from the first tested `if` on
    branches: list[Branch]
    default: list[cst.BaseStatement]
    reader: MessageReader
    problem: str = ""  # why the handler cannot be rewritten, if it cannot
    written: list[cst.BaseStatement] = field(default_factory=list)  # the body as written

    def has_outcome(self, index: int) -> bool:
        """Whether the branch does something else than the default would."""
        return statements_code(self.branches[index].body) != statements_code(self.default)


def statements_code(statements: Sequence[cst.BaseStatement]) -> list[str]:
    return [code_for_node(statement.with_changes(leading_lines=())).strip() for statement in statements]


def next_test(statements: Sequence[cst.BaseStatement], reader: MessageReader) -> int | None:
    """Where the next `if` testing the message is, when only plain statements (a log line, an
    assignment) come before it; None otherwise."""
    for position, statement in enumerate(statements):
        if isinstance(statement, cst.If) and reader.tests(statement.test) is not None:
            return position
        if not isinstance(statement, cst.SimpleStatementLine) or terminates(statement):
            return None
    return None


def dispatch(
    statements: list[cst.BaseStatement], reader: MessageReader
) -> tuple[list[Branch], list[cst.BaseStatement]]:
    """Read an if/elif chain (or consecutive `if`s, with plain statements such as a `log(e)`
    between them) that tests the message into branches + default. Each branch's body is all it
    runs once taken: the plain statements before its test, its block, what follows the chain."""
    position = next_test(statements, reader)
    if position is not None:
        before, head, rest = list(statements[:position]), statements[position], statements[position + 1 :]
        assert isinstance(head, cst.If)
        tests = reader.tests(head.test)
        assert tests is not None
        body = before + reachable(block_statements(head.body) + rest)
        branches, default = dispatch(reachable(else_statements(head) + rest), reader)
        default = before + default
        return [Branch(head, tests, body), *(replace(b, body=before + b.body) for b in branches)], default
    return [], list(statements)


class ExceptionUses(cst.CSTVisitor):
    """How a handler uses the exception beyond reading its message."""

    def __init__(self, reader: MessageReader) -> None:
        self.reader = reader
        self.rebound = False
        self.reveals_type = False
        self.tests = 0  # message tests anywhere in the handler

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if self.reader.is_exception(node.target):
            self.rebound = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in TYPE_REVEALERS:
            self.reveals_type |= any(self.reader.is_exception(arg.value) for arg in node.args)
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in EDGE_METHODS
            and self.reader.message(func.value)
        ):
            self.tests += 1

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self.reader.is_exception(node.value) and node.attr.value.startswith("__"):
            self.reveals_type = True

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if self.reader.is_exception(node.expression) and node.conversion in ("r", "a"):
            self.reveals_type = True

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if any(self.reader.message(part) for part in [node.left, *(t.comparator for t in node.comparisons)]):
            self.tests += 1


class ConditionalTests(cst.CSTVisitor):
    """The conditional expressions (`a if <test> else b`) of one statement whose test reads the
    message, outside nested functions."""

    def __init__(self, reader: MessageReader) -> None:
        self.reader = reader
        self.found: list[cst.IfExp] = []

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if self.reader.tests(node.test) is not None:
            self.found.append(node)


def as_if_statement(statement: cst.BaseStatement, reader: MessageReader) -> cst.If | None:
    """`status = 400 if "x" in msg else 404` as the `if "x" in msg: status = 400 / else: status =
    404` it stands for, so that it reads as a branch and a default. None unless the statement holds
    exactly one such conditional expression."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    conditionals = ConditionalTests(reader)
    walk(statement, conditionals)
    if len(conditionals.found) != 1:
        return None
    chosen = conditionals.found[0]

    def taking(part: cst.BaseExpression) -> cst.SimpleStatementLine:
        atom = isinstance(part, (cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.Attribute, cst.Call))
        if chosen.lpar and not atom:  # keep the parentheses: `(a or b if t else c) + 1`
            part = part.with_changes(lpar=[*chosen.lpar, *part.lpar], rpar=[*part.rpar, *chosen.rpar])
        line = statement.deep_replace(chosen, part)
        return line.with_changes(leading_lines=())  # type: ignore[union-attr]

    return cst.If(
        test=chosen.test,
        body=cst.IndentedBlock(body=[taking(chosen.body)]),
        orelse=cst.Else(body=cst.IndentedBlock(body=[taking(chosen.orelse)])),
        leading_lines=statement.leading_lines,
    )


def read_handler(handler: cst.ExceptHandler) -> HandlerShape | None:
    """The shape of a handler that tests its exception's message; None if it tests nothing."""
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return None
    reader = MessageReader(handler.name.name.value)
    statements = block_statements(handler.body)
    start = chain_start(statements, reader)
    uses = ExceptionUses(reader)
    walk(handler.body, uses)
    if start == len(statements) and uses.tests == 1:  # no `if` tests it: perhaps a conditional expression
        for position, statement in enumerate(statements):
            conditional = as_if_statement(statement, reader)
            if conditional is not None:
                statements = [*statements[:position], conditional, *statements[position + 1 :]]
                start = position
                break
    branches, default = dispatch(statements[start:], reader)
    if not branches and not uses.tests:
        return None
    shape = HandlerShape(
        reader.name, statements[:start], statements[start:], branches, default, reader,
        written=block_statements(handler.body),
    )
    if not branches:
        shape.problem = "the message is tested outside an if/elif chain"
    elif uses.rebound:
        shape.problem = f"the handler assigns to `{reader.name}`"
    elif uses.reveals_type:
        shape.problem = "the handler shows the exception's type (repr/type), which a new class would change"
    return shape


def chain_start(statements: list[cst.BaseStatement], reader: MessageReader) -> int:
    """Where the chain of phrase tests starts, registering the message aliases made before it."""
    for position, statement in enumerate(statements):
        alias = reader.alias_assignment(statement)
        if alias:
            reader.aliases[alias[0]] = alias[1]
        elif isinstance(statement, cst.If) and reader.tests(statement.test) is not None:
            return position
    return len(statements)


def catches_value_error(handler: cst.ExceptHandler) -> str:
    """'only' for `except ValueError`, 'broad' for `except Exception`, 'among' for a tuple holding
    either, '' otherwise."""
    if handler.type is None:
        return ""
    if dotted(handler.type) in VALUE_ERROR_NAMES:
        return "only"
    if dotted(handler.type) in BROAD_NAMES:
        return "broad"
    elements = handler.type.elements if isinstance(handler.type, cst.Tuple) else ()
    return "among" if any(dotted(element.value) in CAUGHT_NAMES for element in elements) else ""


def binds_value_error(tree: ast.Module) -> bool:
    """Whether the module rebinds the name ValueError anywhere (then it is not the builtin)."""
    return any(map(binds_value_error_here, walk_ast(tree)))


def binds_value_error_here(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "ValueError" and isinstance(node.ctx, ast.Store)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == "ValueError"
    if isinstance(node, ast.alias):
        return (node.asname or node.name) == "ValueError"
    return isinstance(node, ast.arg) and node.arg == "ValueError"


# -- plan: the catch sites --------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    tests: tuple[MessageTest, ...]
    has_outcome: bool


@dataclass
class CatchSite:
    relpath: str
    module: str
    line: int
    column: int
    conditions: list[Condition] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)  # names caught by earlier clauses of the try
    problem: str = ""
    broad: bool = False  # `except Exception`: every error arrives, not only ValueErrors
    default_reraises: bool = False  # what no branch takes ends in a bare `raise`: it propagates as it is
    answers_http: bool = False  # the handler raises an HTTPException itself: it maps errors to responses
    body_lines: tuple[int, int] = (0, 0)  # the lines of the try block


# Which files can hold a catch site, decided from bytes, then from the stdlib ast, before LibCST.
# Every `except` clause starts a physical line. A header of the plain shape `except T:`,
# `except T as name:` or `except (T1, T2) as name:` tells what the clause catches and the name it
# binds. A line that starts with `except` but holds no `:`, no `(` and no line continuation is not
# a clause of ValueError (prose in a docstring, or a type that is not a name). Any other header
# is not read, and the file goes on to the ast check.
EXCEPT_KEYWORD = re.compile(rb"except\b")
PLAIN_HEADER = re.compile(
    rb"[ \t\f]*\*?[ \t\f]*(?P<types>[\w.]+|\([\w., \t\f\r\n]*\))?"
    rb"(?:[ \t\f]*\bas[ \t\f]+(?P<name>\w+))?[ \t\f]*:"
)
# What may stand between two tokens: blanks, line continuations, comments.
TOKEN_GAP = rb"(?:[ \t\f\r\n\\]|#[^\r\n]*(?=[\r\n]))"


def clause_headers(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset after `except`, rest of its line) for every line that starts with `except`."""
    for keyword in EXCEPT_KEYWORD.finditer(data):
        before = data[data.rfind(b"\n", 0, keyword.start()) + 1 : keyword.start()]
        if before[before.rfind(b"\r") + 1 :].strip(b" \t\f"):
            continue  # not the first word of its line
        end = data.find(b"\n", keyword.end())
        line = data[keyword.end() : end if end >= 0 else len(data)]
        yield keyword.end(), line.partition(b"\r")[0]


def bound_value_error_names(data: bytes) -> set[bytes] | None:
    """The names `except` clauses that may catch ValueError bind; None if some header is not plain."""
    names = set()
    for offset, line in clause_headers(data):
        if b":" not in line and b"(" not in line and not line.rstrip().endswith(b"\\"):
            continue
        header = PLAIN_HEADER.match(data, offset)
        if header is None:
            return None
        types = (header.group("types") or b"").strip(b"()")
        caught = {name.strip().decode() for name in types.split(b",")}
        if header.group("name") and not caught.isdisjoint(CAUGHT_NAMES):
            names.add(header.group("name"))
    return names


def reads_message_text(data: bytes, name: bytes) -> bool:
    """Whether the bytes hold `str(<name>` or `<name>.args`, however spaced: how every read of a
    handler's message (str(e), e.args[0], their aliases and .lower()) is written."""
    escaped = re.escape(name)
    pattern = (
        rb"\bstr" + TOKEN_GAP + rb"*\((?:" + TOKEN_GAP + rb"|\()*" + escaped + rb"\b"
        rb"|\b" + escaped + rb"(?:" + TOKEN_GAP + rb"|\))*\." + TOKEN_GAP + rb"*args\b"
    )
    return re.search(pattern, data) is not None


def may_test_messages(source: SourceFile) -> bool:
    """Byte check: a clause catching ValueError binds a name whose message the file reads."""
    names = bound_value_error_names(source.data)
    return names is None or any(reads_message_text(source.data, name) for name in names)


def catches_value_error_ast(handler: ast.ExceptHandler) -> bool:
    """`catches_value_error` on the stdlib ast: the type is ValueError or a tuple holding it."""
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(node is not None and dotted_name(node) in CAUGHT_NAMES for node in types)


def reads_message(node: ast.AST, name: str) -> bool:
    """`str(<name>)` or `<name>.args`: where every message expression of `MessageReader` starts."""
    if isinstance(node, ast.Attribute):
        return node.attr == "args" and isinstance(node.value, ast.Name) and node.value.id == name
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "str"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == name
    )


def is_phrase_test(node: ast.AST) -> bool:
    """A comparison or a .startswith/.endswith call: what every message test is made of."""
    return isinstance(node, ast.Compare) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EDGE_METHODS
    )


def handler_may_test_message(handler: ast.ExceptHandler) -> bool:
    """Stdlib-ast check, the necessary conditions of `read_handler`: a named `except` of ValueError
    whose body both reads the message and compares something."""
    if not handler.name or not catches_value_error_ast(handler):
        return False
    inside = [child for statement in handler.body for child in walk_ast(statement)]
    return any(reads_message(child, handler.name) for child in inside) and any(
        is_phrase_test(child) for child in inside
    )


def source_lines(text: str) -> list[str]:
    """The lines of `text` as Python numbers them: only LF, CRLF and a lone CR end a line."""
    return io.StringIO(text, newline="").readlines()


def parse_try(source: SourceFile, lines: list[str], node: ast.Try) -> cst.Try | None:
    """The LibCST of one `try` statement parsed from its own lines, so the rest of the file costs
    nothing. An indented statement is parsed inside `if 1:`: its lines, and the strings in them,
    stay exactly as written. None if the lines do not parse on their own."""
    text = "".join(lines[node.lineno - 1 : node.end_lineno])
    if node.col_offset:
        text = f"if 1:{source.newline}{text}"
    try:
        with parser_output_unvalidated():  # what the parser builds needs no validation
            statement = cst.parse_module(text).body[0]
    except cst.ParserSyntaxError:
        return None
    if node.col_offset and isinstance(statement, cst.If):
        statement = block_statements(statement.body)[0]
    return statement if isinstance(statement, cst.Try) else None


class TryStatements(cst.CSTVisitor):
    """The `try` statements of a module, in source order (the order of the ast's, sorted)."""

    def __init__(self) -> None:
        self.found: list[cst.Try] = []

    def visit_Try(self, node: cst.Try) -> None:
        self.found.append(node)


def scan_catch_sites(source: SourceFile) -> list[CatchSite]:
    nodes = list(walk_ast(source.ast))  # walked once, read twice
    tries = sorted(
        (node for node in nodes if isinstance(node, ast.Try)), key=lambda n: (n.lineno, n.col_offset)
    )
    wanted = [node for node in tries if any(handler_may_test_message(h) for h in node.handlers)]
    wanted.sort(key=finished_order)
    if not wanted or any(map(binds_value_error_here, nodes)):
        return []
    lines = source_lines(source.text)
    sites = []
    for node in wanted:
        parsed = parse_try(source, lines, node)
        if parsed is None:  # lines that only parse in their context: read the whole file
            every_try = TryStatements()
            walk(source.cst, every_try)
            parsed = every_try.found[tries.index(node)]
        sites.extend(catch_sites(source, parsed, node))
    return sites


def finished_order(node: ast.stmt) -> tuple[int, int, int, int]:
    """Statements in the order they end (an inner `try` before the one around it)."""
    return (node.end_lineno or 0, node.end_col_offset or 0, -node.lineno, -node.col_offset)


def catch_sites(source: SourceFile, try_node: cst.Try, written: ast.Try) -> Iterator[CatchSite]:
    """The handlers of one `try` that test their ValueError's message, at their ast positions (the
    `except` starts its line after blanks only, so the byte column is the character column)."""
    for index, (handler, position) in enumerate(zip(try_node.handlers, written.handlers)):
        shape = read_handler(handler) if catches_value_error(handler) else None
        if shape is None:
            continue
        site = CatchSite(source.relpath, source.module, position.lineno, position.col_offset)
        site.conditions = [Condition(b.tests, shape.has_outcome(i)) for i, b in enumerate(shape.branches)]
        site.handled = [name for h in try_node.handlers[:index] for name in handled_names(h)]
        site.problem = shape.problem
        site.broad = catches_value_error(handler) == "broad"
        site.default_reraises = ends_in_reraise(shape.default)
        site.answers_http = any(
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and (dotted_name(node.exc.func) or "").endswith("HTTPException")
            for statement in written.handlers[index].body
            for node in walk_ast(statement)
        )
        site.body_lines = (written.body[0].lineno, written.body[-1].end_lineno or written.body[-1].lineno)
        if catches_value_error(handler) == "among":
            site.problem = "the clause catches ValueError together with other exceptions"
        yield site


def ends_in_reraise(statements: list[cst.BaseStatement]) -> bool:
    """The statements end in a bare `raise` (after clean-ups such as a rollback or a log line)."""
    kept = reachable(statements)
    last = kept[-1] if kept else None
    return (
        isinstance(last, cst.SimpleStatementLine)
        and isinstance(last.body[-1], cst.Raise)
        and last.body[-1].exc is None
    )


def handled_names(handler: cst.ExceptHandler) -> list[str]:
    if isinstance(handler.type, cst.Tuple):
        return [dotted(element.value) or "" for element in handler.type.elements]
    return [dotted(handler.type) or ""] if handler.type is not None else []


# -- plan: the strings that can carry a phrase ---------------------------------------------------


class Role(str, enum.Enum):
    RAISE = "raise"  # the message of a `raise ValueError(...)` the tool can convert
    TYPED = "typed"  # the message of a raise of another class (perhaps already a typed one)
    CAUGHT = "caught"  # not a string: an `except` naming one of the typed classes that already exist
    INERT = "inert"  # cannot become a ValueError message: docstring, test, HTTPException detail
    CARRIER = "carrier"  # anything else: it may reach a handler by a path the tool cannot follow


@dataclass(frozen=True)
class MessageSource:
    relpath: str
    module: str
    line: int
    role: Role
    matched: frozenset[MessageTest]
    uncertain: frozenset[MessageTest] = frozenset()
    raised: str = ""  # TYPED, CAUGHT: the class, qualified as far as the module's imports tell
    opaque: bool = False  # TYPED: a raise whose message the tool cannot read

    @property
    def where(self) -> str:
        return f"{self.relpath}:{self.line}"


def template_of(node: ast.expr) -> Template | None:
    """The literal parts of a message expression: a string, an f-string, or `+` of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.JoinedStr):
        return tuple(
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else None
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template_of(node.left), template_of(node.right)
        if left is None and right is None:
            return None
        return (left or (None,)) + (right or (None,))
    return None


# The nodes that hold statements: only statements, handlers and match cases (never an expression).
STATEMENT_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def statement_lists(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    """Every statement list, in the order of `ast.walk` (which it is, without the expressions)."""
    queue = deque([tree])
    while queue:
        node = queue.popleft()
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value
        queue.extend(child for child in child_nodes(node) if isinstance(child, STATEMENT_HOLDERS))


def string_nodes(node: ast.AST, parents: dict[ast.AST, ast.AST] | None = None) -> Iterator[ast.expr]:
    """The outermost string literals below `node` (an f-string counts as one), in source order.
    The parent of every node passed on the way is recorded in `parents`."""
    parents = {} if parents is None else parents
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.JoinedStr) or (
            isinstance(current, ast.Constant) and isinstance(current.value, str)
        ):
            yield current
            continue
        children = list(child_nodes(current))
        for child in children:
            parents[child] = current
        stack.extend(reversed(children))


# Where a phrase written in a literal can stop being verbatim: at the end of the literal (`"already
# " "exists"`, `"already " + "exists"`), at an escape, at an f-string brace, at a line end.
LITERAL_BREAK = rb"[\"'\\{}\r]"


@dataclass(frozen=True)
class PhraseFilter:
    """Which files can hold a string that matters to one message test, told from their bytes
    (lowered: the handler may lower the message, and matching in any case is a superset)."""

    words: tuple[bytes, ...]  # every one of them is in the file
    pattern: re.Pattern[bytes] | None = None  # and this matches

    @classmethod
    def for_test(cls, test: MessageTest) -> PhraseFilter:
        """A string holding the phrase holds every word of it (words are assumed written without
        escapes), and holds its start verbatim up to the phrase's end or to a break between two
        words. Non-ASCII words are not required: bytes.lower() does not fold them. Equality and
        start/end tests also depend on raises holding a fragment of the phrase next to an
        interpolation (`f"{what} found"` may equal "not found"): for them the longest word alone
        selects the files."""
        words = re.findall(r"\w+", test.phrase) or [test.phrase]
        if test.kind != "contains":
            return cls((max(words, key=len).encode().lower(),))
        # longest first: the rarest, and the quickest to find missing
        ascii_words = tuple(sorted({w.lower().encode() for w in words if w.isascii()}, key=len, reverse=True))
        pattern = phrase_pattern(test.phrase.lower().encode()) if test.phrase.isascii() else None
        return cls(ascii_words, pattern)

    def selects(self, lowered: bytes) -> bool:
        return all(word in lowered for word in self.words) and (
            self.pattern is None or self.pattern.search(lowered) is not None
        )


def phrase_pattern(phrase: bytes) -> re.Pattern[bytes]:
    """The phrase, or its start up to a cut outside its words followed by a literal break."""
    in_word = [bool(re.match(rb"\w", phrase[i : i + 1])) for i in range(len(phrase))]
    cuts = [j for j in range(1, len(phrase)) if not (in_word[j - 1] and in_word[j])]
    if not in_word[0]:
        cuts.insert(0, 0)
    common = cuts[0] if cuts else len(phrase)  # the verbatim start every alternative shares
    endings = [re.escape(phrase[common:cut]) + LITERAL_BREAK for cut in cuts]
    return re.compile(
        re.escape(phrase[:common]) + b"(?:" + b"|".join([re.escape(phrase[common:]), *endings]) + b")"
    )


def files_holding_phrases(project: Project, filters: Iterable[PhraseFilter]) -> list[SourceFile]:
    """The files some filter selects (each file is lowered once)."""
    filters = list(filters)
    found = []
    for source in project.files:
        lowered = source.data.lower()
        if any(phrase_filter.selects(lowered) for phrase_filter in filters):
            found.append(source)
    return found


class MessageScanner:
    """Finds, in one module, the ValueError raises it can convert and every other string holding
    one of the phrases, with the role each string plays."""

    def __init__(self, source: SourceFile, tests: frozenset[MessageTest], watched: frozenset[str]) -> None:
        self.source = source
        self.tests = tests
        self.watched = watched  # existing typed classes: every raise and except of them counts
        self.tree = source.ast
        self.facts = module_facts(source)
        self.names = ProjectIndex([self.facts])  # the engine's name layer, over this module
        self.parents: dict[ast.AST, ast.AST] = {}  # filled by the walk over the strings

    @cached_property
    def value_error_is_builtin(self) -> bool:
        return not binds_value_error(self.tree)

    def scan(self) -> list[MessageSource]:
        found: list[MessageSource] = []
        consumed: set[int] = set()
        for statements in statement_lists(self.tree):
            for position in range(len(statements)):
                raised = self.raise_source(statements, position, consumed)
                if raised is not None:
                    found.append(raised)
        found.extend(self.watched_handlers())
        for node in string_nodes(self.tree, self.parents):
            if id(node) in consumed:
                continue
            matched = {t for t in self.tests if any(t.mentions(text) for text in self.texts(node))}
            if matched:
                found.append(self.source_at(node.lineno, self.role_of(node), matched))
        return found

    def source_at(
        self, line: int, role: Role, matched: set[MessageTest], uncertain: Iterable[MessageTest] = ()
    ) -> MessageSource:
        return MessageSource(
            self.source.relpath, self.source.module, line, role, frozenset(matched), frozenset(uncertain)
        )

    @staticmethod
    def texts(node: ast.expr) -> list[str]:
        template = template_of(node) or ()
        return [part for part in template if part is not None]

    def raise_source(
        self, statements: list[ast.stmt], position: int, consumed: set[int]
    ) -> MessageSource | None:
        """`raise SomeError(<message>)` (the message seen through `msg = ...` just before), when it
        matters: a ValueError or another class whose message holds a phrase, or a watched class."""
        statement = statements[position]
        if not isinstance(statement, ast.Raise) or statement.exc is None:
            return None
        call = statement.exc if isinstance(statement.exc, ast.Call) else None
        callee = dotted_name(call.func if call else statement.exc)
        if callee is None or self.is_inert_callee(call.func if call else statement.exc):
            return None
        is_value_error = self.value_error_is_builtin and callee in VALUE_ERROR_NAMES
        raised = "" if is_value_error else self.qualify(callee, statement.lineno)
        watched = not is_value_error and callee.split(".")[-1] in self.watched
        message = None
        if call and len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred):
            message = self.message_expression(statements, position, call.args[0])
        if message is None:
            opaque = self.source_at(statement.lineno, Role.TYPED, set())
            return replace(opaque, raised=raised, opaque=True) if watched else None
        template = template_of(message)
        assert template is not None
        consumed.update(id(node) for node in string_nodes(message))
        matched = {t for t in self.tests if t.verdict(template) is Verdict.YES}
        uncertain = {t for t in self.tests if t.verdict(template) is Verdict.MAYBE}
        if not (matched or uncertain or watched):
            return None
        source = self.source_at(statement.lineno, Role.TYPED if raised else Role.RAISE, matched, uncertain)
        return replace(source, raised=raised)

    def watched_handlers(self) -> Iterator[MessageSource]:
        if not self.watched:
            return
        for node in walk_ast(self.tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                for name in filter(None, map(dotted_name, types)):
                    if name.split(".")[-1] in self.watched:
                        yield replace(
                            self.source_at(node.lineno, Role.CAUGHT, set()), raised=self.qualify(name, node.lineno)
                        )

    def qualify(self, name: str, line: int) -> str:
        """The class `name` names at `line`, as far as this module's own bindings tell (the plan
        follows re-exports with the whole project's name layer)."""
        return self.names.resolve(self.source.module, name, line)

    @staticmethod
    def message_expression(statements: list[ast.stmt], position: int, argument: ast.expr) -> ast.expr | None:
        """The message a raise passes: the argument, or the `msg = ...` assigned just before."""
        if isinstance(argument, ast.Name) and position > 0:
            previous = statements[position - 1]
            if (
                isinstance(previous, ast.Assign)
                and len(previous.targets) == 1
                and isinstance(previous.targets[0], ast.Name)
                and previous.targets[0].id == argument.id
            ):
                argument = previous.value
        return argument if template_of(argument) is not None else None

    def role_of(self, node: ast.expr) -> Role:
        parent = self.parents.get(node)
        if isinstance(parent, ast.Expr):
            return Role.INERT  # a docstring or a bare string statement
        child: ast.AST = node
        while isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.BinOp, ast.keyword, ast.Dict)):
            child, parent = parent, self.parents.get(parent)
        if isinstance(parent, ast.Compare):
            return Role.INERT  # the phrase is tested, not produced
        if isinstance(parent, ast.Call) and child is not parent.func:
            if isinstance(parent.func, ast.Attribute) and parent.func.attr in EDGE_METHODS:
                return Role.INERT
            if self.is_inert_callee(parent.func):
                return Role.INERT
        return Role.CARRIER

    def is_inert_callee(self, func: ast.expr) -> bool:
        name = dotted_name(func)
        if name is None:
            return False
        head, _, rest = name.partition(".")
        if head in self.facts.imports:
            return is_inert_callee(self.facts.imports[head] + (f".{rest}" if rest else ""))
        bound = head in self.facts.classes or head in self.facts.functions or head in self.facts.aliases
        return not bound and not rest and name in INERT_BUILTINS


# -- plan: decisions -------------------------------------------------------------------------


@dataclass
class SitePlan:
    """What to do with one catch site: typed clauses per branch index, and the report."""

    action: Action
    message: str
    typed: dict[int, tuple[str, ...]] = field(default_factory=dict)
    kept: set[int] = field(default_factory=set)  # typed branches whose string test stays in the fallback
    passthrough: str = ""  # `except <this>: raise` first: an HTTPException raised in the try block
    passthrough_import: ImportSpec | None = None  # the import that name needs


@dataclass
class BranchPlan:
    """One branch of a catch site: its typed classes, or why it stays as it is."""

    classes: tuple[str, ...] = ()
    kept: list[str] = field(default_factory=list)  # why the string test stays in the fallback too
    blocked: str = ""  # why no class may take the branch over (REVIEW)
    earlier: list[str] = field(default_factory=list)  # classes an earlier clause already catches


@dataclass(frozen=True)
class TestOutcome:
    cls: str | None = None
    qualified: str = ""  # an existing class of the project, reused (imported from where it lives)
    kept: str = ""
    blocked: str = ""
    earlier: str = ""


@dataclass
class FilePlan:
    catches: dict[int, SitePlan] = field(default_factory=dict)  # by line of the `except`
    raises: dict[int, str] = field(default_factory=dict)  # line of the `raise` -> class name
    imports: list[ImportSpec] = field(default_factory=list)
    define: list[str] = field(default_factory=list)  # classes to define here (the exceptions module)


@dataclass
class ExceptionsModule:
    module: str
    relpath: str
    exists: bool
    existing: dict[str, bool] = field(default_factory=dict)  # class name -> plain ValueError subclass


class Planner:
    """Decides, from the facts of both stages, which raises and which catch sites change."""

    def __init__(
        self,
        sites: list[CatchSite],
        sources: list[MessageSource],
        model: SemanticModel,
        classes: dict[str, str],
        external: tuple[str, ...],
        target: ExceptionsModule,
    ) -> None:
        self.sites = sites
        self.model = model
        self.index = model.index
        self.overrides = classes
        self.external = tuple(phrase.lower() for phrase in external)
        self.target = target
        self.raises: dict[MessageSource, str] = {}  # raises of each typed class, converted or not yet
        self.carriers: list[MessageSource] = []  # strings that may reach a handler as a ValueError
        self.blocked: dict[MessageSource, str] = {}  # why a ValueError raise is not converted
        caught = (self.target_class(s.raised) for s in sources if s.role is Role.CAUGHT)
        self.caught = {cls for cls in caught if cls}  # existing classes some `except` already catches
        self._reach: dict[tuple[str, int], RaiseSummary | None] = {}
        self.reused: dict[str, str] = {}  # existing classes the handlers catch: name -> qualified
        self._reusable: dict[tuple[str, int], bool] = {}
        for source in sources:
            if source.role in (Role.RAISE, Role.TYPED):
                self.classify_raise(source)
            elif source.role is Role.CARRIER:
                self.carriers.append(source)

    def classify_raise(self, source: MessageSource) -> None:
        """Give a raise its class; it stays a carrier for the phrases of other classes it holds."""
        cls = self.raise_class(source) if source.role is Role.RAISE else self.target_class(source.raised)
        if cls is None:
            self.carriers.append(source)
            return
        if source.uncertain:
            source = replace(source, opaque=True)
            self.carriers.append(source)
        self.raises[source] = cls
        others = frozenset(test for test in source.matched if self.class_for(test) != cls)
        if others:
            carrier = replace(source, matched=others)
            self.carriers.append(carrier)
            self.blocked[carrier] = f"which is a {cls}"

    def class_for(self, test: MessageTest) -> str | None:
        name = class_name_for(test.phrase, self.overrides)
        if name is None or self.target.existing.get(name) is False:
            return None
        return name

    def raise_class(self, source: MessageSource) -> str | None:
        """The class a ValueError raise becomes: that of its longest phrase. None: it stays."""
        ranked = sorted((len(test.phrase), name) for test in source.matched if (name := self.class_for(test)))
        if source.uncertain or not ranked:
            return None
        cls = ranked[-1][1]
        if cls in self.caught:
            self.blocked[source] = f"which would become {cls}, a class some `except` already catches"
        elif self.target.module.split(".")[0] not in self.tops_of(source):
            # production code must not start importing from another top-level package (examples/,
            # scripts/, tests/) just because a handler there tests the phrase
            self.blocked[source] = f"which would have to import {cls} from {self.target.module}"
        elif self.clashes(source.module, cls):
            self.blocked[source] = f"where {cls} already names something else"
        return None if source in self.blocked else cls

    def tops_of(self, source: MessageSource) -> set[str]:
        """The top-level names the raise's module can be imported under: its package, and a
        namespace folder above it (`app` for `app/services/x.py` in the package `services`)."""
        project = self.model.project
        found = project.find_file(source.relpath)
        names = project.names_of(found) if found is not None else [source.module]
        return {name.split(".")[0] for name in names}

    def clashes(self, module: str, cls: str) -> bool:
        """Whether `cls` already names something else than the typed class in `module`."""
        facts = self.index.modules.get(module)
        if facts is None or module == self.target.module:
            return False
        bound = cls in facts.imports or cls in facts.classes or cls in facts.functions or cls in facts.aliases
        return bound and self.index.resolve(module, cls) != f"{self.target.module}.{cls}"

    # -- one catch site --

    def target_class(self, qualified: str) -> str | None:
        """The typed class `qualified` names, if it is one of the exceptions module's."""
        module, cls = self.index.split_module(self.index.canonical(qualified))
        return cls if module == self.target.module and self.target.existing.get(cls) else None

    def decide(self, site: CatchSite) -> SitePlan:
        left = f"string-matched {'`except Exception`' if site.broad else 'ValueError'} left as is"
        if site.problem:
            return SitePlan(Action.REVIEW, f"{left}: {site.problem}")
        reach = self.reach(site)
        if reach is None:
            return SitePlan(Action.REVIEW, f"{left}: the try statement cannot be found")
        unreadable = next((u for u in reach.unknown if is_unreadable(u.reason)), None)
        if unreadable is not None:
            # converted raises are seen by every handler, and that file's cannot be checked
            return SitePlan(
                Action.REVIEW,
                f"{left}: the try block reaches project code that does not "
                f"parse: {unreadable.reason} ({unreadable.relpath}:{unreadable.line})",
            )
        passthrough, passthrough_import, passthrough_note = self.passthrough(site, reach)
        typed: dict[int, tuple[str, ...]] = {}
        kept: set[int] = set()
        kept_reasons: list[str] = []
        blocked: list[str] = []
        earlier: list[str] = []
        for index, condition in enumerate(site.conditions):
            if not condition.has_outcome:
                continue
            branch = self.branch_plan(site, index)
            earlier.extend(branch.earlier)
            if branch.blocked:
                blocked.append(branch.blocked)
            elif branch.classes:
                typed[index] = branch.classes
                if branch.kept:
                    kept.add(index)
            kept_reasons.extend(r for r in branch.kept if r not in kept_reasons)
        if typed or passthrough:
            names = ", ".join(name for classes in typed.values() for name in classes)
            notes = [*blocked, *kept_reasons]
            kept_note = f"; string test kept for the errors the model cannot see: {'; '.join(notes)}" if notes else ""
            said = [f"except {names} instead of matching the message"] if typed else []
            said += [passthrough_note] if passthrough else []
            return SitePlan(
                Action.CHANGED, "; ".join(said) + kept_note, typed, kept, passthrough, passthrough_import
            )
        if blocked or kept_reasons:  # untyped: kept_reasons name what carries a phrase unconverted
            return SitePlan(
                Action.REVIEW, f"{left}: {'; '.join([*blocked, *kept_reasons])}"
            )
        unfollowed = next((u for u in reach.unknown if not u.external), None)
        if unfollowed is not None and not earlier:
            return SitePlan(
                Action.REVIEW,
                f"{left}: the try block reaches code the model cannot follow: "
                f"{unfollowed.reason} ({unfollowed.relpath}:{unfollowed.line})",
            )
        if earlier:
            return SitePlan(
                Action.SKIPPED,
                f"`except {', '.join(dict.fromkeys(earlier))}` already comes first; the string test stays "
                "for the errors the model cannot see",
            )
        if not any(condition.has_outcome for condition in site.conditions):
            return SitePlan(Action.SKIPPED, "every branch does what the handler does by default")
        return SitePlan(Action.SKIPPED, "no phrase tested here is raised by the project code the try block reaches")

    def branch_plan(self, site: CatchSite, index: int) -> BranchPlan:
        """The typed classes that take over branch `index`, and whether its string test must stay
        in the `except ValueError` fallback (for errors the model cannot prove absent)."""
        plan = BranchPlan()
        unseen = self.unseen_raise(site)
        if unseen:
            plan.kept.append(f"the try block reaches code the model cannot follow: {unseen}")
        unread = self.unread_message(site)
        if unread:
            plan.kept.append(unread)
        for test in site.conditions[index].tests:
            outcome = self.test_class(site, index, test)
            if outcome.blocked:
                return BranchPlan(blocked=outcome.blocked)
            if outcome.earlier:
                plan.earlier.append(outcome.earlier)
                plan.kept.append(f"`except {outcome.earlier}` already comes first")
                continue
            if outcome.cls is None:
                plan.kept.append(outcome.kept)
                continue
            if outcome.kept:
                plan.kept.append(outcome.kept)
            if outcome.qualified:
                self.reused[outcome.cls] = outcome.qualified
            if outcome.cls not in plan.classes:
                plan.classes += (outcome.cls,)
        plan.kept = [reason for reason in dict.fromkeys(plan.kept) if reason]
        if not plan.classes:  # the test stays as it is: only what carries its phrase is worth saying
            plan.kept = [reason for reason in plan.kept if "can also come from" in reason or "wraps the text" in reason]
        return plan

    def test_class(self, site: CatchSite, index: int, test: MessageTest) -> TestOutcome:
        """What one phrase test becomes: a class (its test perhaps kept), nothing, or a reason the
        whole branch must stay as it is."""
        phrase = repr(test.phrase)
        existing = self.existing_class(site, index, test)
        if existing:
            short = existing.rsplit(".", 1)[-1]
            if short in site.handled:
                return TestOutcome(earlier=short)
            # plain ValueErrors carrying the phrase stay ValueErrors (no twin class): their test stays
            plain = next(
                (s for s in self.raises if test in s.matched and s.role is Role.RAISE and self.reaches(site, s)), None
            )
            kept = f"{phrase} is also raised as a plain ValueError at {plain.where}" if plain else ""
            return TestOutcome(cls=short, qualified=existing, kept=kept)
        cls = self.class_for(test)
        if cls is None:
            name = class_name_for(test.phrase, self.overrides)
            if name is None:
                return TestOutcome(blocked=f"no class name can be made from {phrase} (option `classes`)")
            return TestOutcome(
                blocked=f"{name} in {self.target.module} is not a plain ValueError subclass (option `classes`)"
            )
        carrier = next(
            (c for c in self.carriers if (test in c.matched or test in c.uncertain) and self.may_reach(site, c)),
            None,
        )
        carried = f"{phrase} can also come from {carrier.where}, {self.blocked.get(carrier, 'which the tool cannot convert')}" if carrier else ""
        if cls in site.handled:
            # typed by an earlier run (the test kept for what the model cannot see), or a clause
            # of the user's own that errors with the phrase do not reach today
            if carrier is not None:
                return TestOutcome(blocked=f"an earlier clause already catches {cls}; {carried}")
            return TestOutcome(earlier=cls)
        own = [s for s, name in self.raises.items() if name == cls and test in s.matched]
        if not any(self.reaches(site, source) for source in own):
            return TestOutcome(kept=carried)
        if self.clashes(site.module, cls):
            return TestOutcome(blocked=f"{cls} already means something else in {site.relpath}")
        stray = next(
            (s for s, name in self.raises.items() if name == cls and self.lands(site, s) != index), None
        )
        if stray is not None:
            return TestOutcome(blocked=f"{cls} would also take {stray.where}, which this handler sends elsewhere")
        kept = ""
        if test.fragile:
            kept = f"{phrase} is read through e.args[0], which fails for errors without arguments"
        elif any(test.phrase.lower() in external for external in self.external):
            kept = f"{phrase} also appears in ValueErrors from Python and libraries"
        elif carrier is not None:
            kept = carried
        return TestOutcome(cls=cls, kept=kept)

    def reaches(self, site: CatchSite, source: MessageSource) -> bool:
        """Whether the model finds the raise `source` among those the try block reaches, and no
        earlier clause of the try takes it first."""
        reach = self.reach(site)
        return reach is not None and any(
            r.relpath == source.relpath and r.line == source.line and not self.caught_earlier(site, r.exception)
            for r in reach.raises
        )

    def unread_message(self, site: CatchSite) -> str:
        """A raise reaching the handler whose message wraps another error's text (`raise
        ValueError(f"Error updating: {e}")`): a converted raise below it comes back as a plain
        ValueError still holding the phrase. (Other messages built at run time are covered by the
        strings that can flow into them: the carriers.)"""
        reach = self.reach(site)
        caught = "Exception" if site.broad else "ValueError"
        for raised in reach.raises if reach is not None else ():
            if not raised.wraps or raised.exception in HTTP_EXCEPTIONS:
                continue
            ancestry = self.model.exception_ancestry(raised.exception)
            if (caught in ancestry or raised.exception == "<dynamic>") and not self.caught_earlier(site, raised.exception):
                return f"the error raised at {raised.relpath}:{raised.line} wraps the text of another error"
        return ""

    def caught_earlier(self, site: CatchSite, exception: str) -> bool:
        ancestry = self.model.exception_ancestry(exception)
        return any(
            self.index.canonical(self.index.resolve(site.module, name, site.line)) in ancestry
            for name in site.handled
            if name
        )

    def existing_class(self, site: CatchSite, index: int, test: MessageTest) -> str:
        """A class of the project's own that the try block raises with the phrase, every raise of
        which anywhere takes this very branch: the handler can catch it by type (no twin class).
        '' when there is none."""
        reach = self.reach(site)
        caught = "Exception" if site.broad else "ValueError"
        for raised in reach.raises if reach is not None else ():
            exception = raised.exception
            if exception in VALUE_ERROR_NAMES or self.model.class_info(exception) is None:
                continue
            if self.target_class(exception):
                continue  # a class of the exceptions module: the phrase table's own, raises converted to it
            if caught not in self.model.exception_ancestry(exception) or self.caught_earlier(site, exception):
                continue
            if raised.message is None or test.verdict(raised.message) is not Verdict.YES:
                continue
            if self.reusable(site, index, exception):
                return exception
        return ""

    def reusable(self, site: CatchSite, index: int, exception: str) -> bool:
        """Every raise of the class (or a subclass) in the project takes branch `index` of this
        handler, and its name is free (or already it) in the handler's module."""
        key = (f"{site.relpath}:{site.line}:{exception}", index)
        if key not in self._reusable:
            short = exception.rsplit(".", 1)[-1]
            taken = self.reused.get(short, exception) != exception
            bound = self.index.resolve(site.module, short, site.line)
            clash = bound != short and self.index.canonical(bound) != exception
            raises, unknown = self.model.constructions(exception)
            lands = {self.landing(site, r.message) for r in raises}
            self._reusable[key] = not (taken or clash or unknown) and bool(raises) and lands == {index}
        return self._reusable[key]

    @staticmethod
    def landing(site: CatchSite, template: Template | None) -> int | None:
        """The branch a message takes in the handler: its index, None for the default, -1 when it
        depends on interpolated values."""
        if template is None:
            return -1
        for position, condition in enumerate(site.conditions):
            verdicts = {test.verdict(template) for test in condition.tests}
            if Verdict.YES in verdicts:
                return position
            if Verdict.MAYBE in verdicts:
                return -1
        return None

    def passthrough(self, site: CatchSite, reach: RaiseSummary) -> tuple[str, ImportSpec | None, str]:
        """An `except Exception` handler that would turn an HTTPException raised in the try block
        into another response: (name to re-raise it by, its import if needed, what to say)."""
        if not site.broad or not site.answers_http:
            return "", None, ""  # only a handler that answers HTTP itself re-maps one
        first, last = site.body_lines
        http = [
            r
            for r in reach.raises
            if r.exception in HTTP_EXCEPTIONS
            and r.relpath == site.relpath
            and first <= r.line <= last  # raised in the try block itself
            and not self.caught_earlier(site, r.exception)
            # where the default re-raises, only one a branch surely takes is re-mapped today (its
            # str() is "<status>: <detail>", so its branch is known only for a literal phrase match)
            and not (site.default_reraises and self.landing(site, None) == -1)
        ]
        if not http or any(self.index.canonical(self.index.resolve(site.module, n, site.line)) in HTTP_EXCEPTIONS for n in site.handled if n):
            return "", None, ""
        facts = self.index.modules.get(site.module)
        only_fastapi = all(r.exception.startswith("fastapi.") for r in http)
        bound = sorted(
            local
            for local, target in (facts.imports.items() if facts is not None else ())
            if target in HTTP_EXCEPTIONS and (only_fastapi or target.startswith("starlette."))
        )
        note = (
            f"except {{}}: raise first, so the HTTPException raised at {http[0].relpath}:{http[0].line} reaches "
            "FastAPI as it is instead of becoming the handler's response"
        )
        if bound:
            return bound[0], None, note.format(bound[0])
        free = facts is None or not any(
            "HTTPException" in names for names in (facts.imports, facts.classes, facts.functions, facts.aliases)
        )
        if only_fastapi and free:
            return "HTTPException", ImportSpec("fastapi", "HTTPException"), note.format("HTTPException")
        return "", None, ""

    def reach(self, site: CatchSite) -> RaiseSummary | None:
        """What the semantic model says can be raised into the site's handler (None: no answer)."""
        key = (site.relpath, site.line)
        if key not in self._reach:
            body = try_body_at(self.model, site.module, site.line)
            self._reach[key] = self.model.raises_in(site.module, body) if body is not None else None
        return self._reach[key]

    def unseen_raise(self, site: CatchSite) -> str:
        """Why a ValueError may reach the handler unseen: code the try block reaches that the model
        cannot read or follow (a module that does not parse, a call on an untyped value, a
        third-party or builtin call), project code named first. '' when none."""
        reach = self.reach(site)
        if reach is None:
            return "the try statement cannot be found"
        unseen = next((u for u in reach.unknown if not u.external), None) or next(iter(reach.unknown), None)
        return f"{unseen.reason} ({unseen.relpath}:{unseen.line})" if unseen else ""

    def may_reach(self, site: CatchSite, carrier: MessageSource) -> bool:
        """Can the string or raise `carrier` end up in this site's handler? A raise: only if the
        model finds it among the raises the try block reaches. Any other string: only through a
        reachable ValueError raise whose message the model cannot read. Without an answer: yes."""
        reach = self.reach(site)
        if reach is None or any(not u.external for u in reach.unknown):
            return True
        caught = [r for r in reach.raises if "ValueError" in self.model.exception_ancestry(r.exception)]
        if carrier.role is Role.CARRIER:
            return any(r.message is None or r.exception == "<dynamic>" for r in caught)
        return any(r.relpath == carrier.relpath and r.line == carrier.line for r in reach.raises)

    @staticmethod
    def lands(site: CatchSite, source: MessageSource) -> int | None:
        """The branch a message from `source` took in the original handler (-1: cannot tell)."""
        if source.opaque:
            return -1
        for index, condition in enumerate(site.conditions):
            if any(test in source.matched for test in condition.tests):
                return index
        return None

    def used_raises(self, plans: dict[int, SitePlan]) -> dict[MessageSource, str]:
        """The ValueError raises to convert: those a typed clause of their class will catch. A raise
        no typed handler reaches stays as it is (converting it would only widen the diff)."""
        converted: dict[MessageSource, str] = {}
        for site in self.sites:
            used = {name for classes in plans[id(site)].typed.values() for name in classes}
            for source, name in self.raises.items():
                if name in used and source.role is Role.RAISE and self.reaches(site, source):
                    converted[source] = name
        return converted


def try_body_at(model: SemanticModel, module: str, handler_line: int) -> list[ast.stmt] | None:
    """The body of the `try` whose handler starts at `handler_line` in `module`."""
    info = model.module_info(module)
    for node in walk_ast(info.tree) if info is not None else ():
        if isinstance(node, ast.Try) and any(h.lineno == handler_line for h in node.handlers):
            return node.body
    return None


# -- the rewrite -----------------------------------------------------------------------------


def prune(
    statements: list[cst.BaseStatement], reader: MessageReader, dropped: set[int]
) -> list[cst.BaseStatement]:
    """The chain with the dropped `if`s removed: what runs once their tests are known to fail."""
    position = next_test(statements, reader)
    if position:  # plain statements first (a log line): they stay, in front of what follows
        return [*statements[:position], *prune(statements[position:], reader, dropped)]
    if position is None:
        return statements
    head, rest = statements[0], statements[1:]
    assert isinstance(head, cst.If)
    if id(head) in dropped:
        return prune(reachable(else_statements(head) + rest), reader, dropped)
    orelse = prune(else_statements(head), reader, dropped)
    return [head.with_changes(orelse=as_orelse(orelse, head.orelse)), *prune(rest, reader, dropped)]


def as_orelse(
    statements: list[cst.BaseStatement], original: cst.If | cst.Else | None
) -> cst.If | cst.Else | None:
    if not statements:
        return None
    if len(statements) == 1 and isinstance(statements[0], cst.If):
        return statements[0]
    if isinstance(original, cst.Else) and isinstance(original.body, cst.IndentedBlock):
        return original.with_changes(body=original.body.with_changes(body=statements))
    return cst.Else(body=cst.IndentedBlock(body=statements))


class ChainRaises(StatementTransformer):
    """Adds `from <name>` to the raises of new exceptions directly in a handler's code."""

    def __init__(self, name: str) -> None:
        self.name = name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        return False  # a raise in a nested handler belongs to that handler's exception

    def leave_Raise(self, original_node: cst.Raise, updated_node: cst.Raise) -> cst.Raise:
        exc = updated_node.exc
        if exc is None or updated_node.cause is not None:
            return updated_node
        if isinstance(exc, cst.Name) and exc.value == self.name:
            return updated_node
        return updated_node.with_changes(
            cause=cst.From(item=cst.Name(self.name)),
            whitespace_after_raise=updated_node.whitespace_after_raise,
        )


class NameUse(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.used = False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.used = True


def comment_lines(node: cst.If) -> list[cst.EmptyLine]:
    """The comments above an `if`, inside its test (`str(  # why`) and after its colon, which
    travel with its branch."""
    lines = [line for line in node.leading_lines if line.comment is not None]
    lines += [cst.EmptyLine(comment=comment) for comment in comments_within(node.test)]
    header = node.body.header if isinstance(node.body, cst.IndentedBlock) else None
    if header is not None and header.comment is not None:
        lines.append(cst.EmptyLine(comment=header.comment))
    return lines


def clause(
    handler: cst.ExceptHandler,
    classes: tuple[str, ...] | None,
    statements: list[cst.BaseStatement],
    name: str,
    comments: Sequence[cst.EmptyLine] = (),
) -> cst.ExceptHandler:
    """One except clause: `except <classes>` (None keeps the original type) running `statements`."""
    # LibCST's visit, which rebuilds every statement: each clause gets statements of its own
    statements = [statement.visit(ChainRaises(name)) for statement in statements]  # type: ignore[misc]
    statements[0] = statements[0].with_changes(
        leading_lines=[*comments, *(line for line in statements[0].leading_lines if line.comment is not None)]
    )
    body = handler.body
    block = (
        body.with_changes(body=statements)
        if isinstance(body, cst.IndentedBlock)
        else cst.IndentedBlock(body=statements)
    )
    uses = NameUse(name)
    walk(block, uses)
    changes: dict[str, Any] = {"body": block}
    if classes is not None:
        changes["type"] = (
            cst.Name(classes[0])
            if len(classes) == 1
            else cst.Tuple(
                [cst.Element(cst.Name(c)) for c in classes], lpar=[cst.LeftParen()], rpar=[cst.RightParen()]
            )
        )
    if not uses.used:
        changes["name"] = None
    return handler.with_changes(**changes)


def typed_clauses(
    handler: cst.ExceptHandler, typed: dict[int, tuple[str, ...]], kept: set[int]
) -> list[cst.ExceptHandler]:
    """The handler as typed clauses, one per replaced branch in the original order, then the
    `except ValueError` fallback that runs what the handler ran for every other error: without
    the replaced tests, except those `kept` for errors the model cannot see."""
    shape = read_handler(handler)
    assert shape is not None and not shape.problem
    reader = shape.reader
    clauses = []
    for index, classes in sorted(typed.items()):
        branch = shape.branches[index]
        body = with_preamble(shape.pre, branch.body, reader)
        clauses.append(clause(handler, classes, body, shape.name, comment_lines(branch.node)))
    dropped = {id(shape.branches[index].node) for index in typed if index not in kept}
    # nothing dropped: the fallback is the handler as written (a conditional expression stays one)
    fallback = with_preamble(shape.pre, prune(shape.chain, reader, dropped), reader) if dropped else shape.written
    clauses.append(clause(handler, None, fallback or [cst.SimpleStatementLine([cst.Pass()])], shape.name))
    # the comments above `except ValueError` stay above the first clause
    return [clauses[0], *(c.with_changes(leading_lines=()) for c in clauses[1:])]


def reraise_clause(name: str, before: cst.ExceptHandler) -> cst.ExceptHandler:
    """`except <name>: raise`, with the comments that were above the clause it now precedes."""
    clause = cst.ensure_type(cst.parse_statement(f"try:\n    pass\nexcept {name}:\n    raise\n"), cst.Try).handlers[0]
    body = before.body
    if isinstance(body, cst.IndentedBlock):  # the indentation of the clause it goes before
        clause = clause.with_changes(body=clause.body.with_changes(indent=body.indent))
    return clause.with_changes(leading_lines=before.leading_lines, whitespace_after_except=cst.SimpleWhitespace(" "))


def only_reraises(handler: cst.ExceptHandler) -> bool:
    """The clause is exactly `except ...: raise` (a bare raise, no comments)."""
    body = handler.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1 or body.header.comment:
        return False
    line = body.body[0]
    return (
        isinstance(line, cst.SimpleStatementLine)
        and not line.leading_lines
        and len(line.body) == 1
        and isinstance(line.body[0], cst.Raise)
        and line.body[0].exc is None
        and line.trailing_whitespace.comment is None
    )


def with_preamble(
    pre: list[cst.BaseStatement], body: list[cst.BaseStatement], reader: MessageReader
) -> list[cst.BaseStatement]:
    """The preamble before `body`, without message aliases `body` no longer reads."""
    kept = []
    for position, statement in enumerate(pre):
        alias = reader.alias_assignment(statement)
        if alias:
            uses = NameUse(alias[0])
            for later in [*pre[position + 1 :], *body]:
                walk(later, uses)
            if not uses.used:
                continue
        kept.append(statement)
    return kept + body


class Rewriter(StatementTransformer):
    def __init__(self, lines: Lines, plan: FilePlan) -> None:
        self.lines = lines
        self.plan = plan
        self.replaced_qualified = False  # a `builtins.ValueError` was replaced

    def line_of(self, node: cst.CSTNode) -> int:
        return self.lines.start(node)

    def leave_Raise(self, original_node: cst.Raise, updated_node: cst.Raise) -> cst.Raise:
        cls = self.plan.raises.get(self.line_of(original_node))
        exc = updated_node.exc
        if cls and isinstance(exc, cst.Call) and dotted(exc.func) in VALUE_ERROR_NAMES:
            self.replaced_qualified |= isinstance(exc.func, cst.Attribute)
            return updated_node.with_changes(exc=exc.with_changes(func=cst.Name(cls)))
        return updated_node

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        handlers: list[cst.ExceptHandler] = []
        last = len(original_node.handlers) - 1
        for position, (original, updated) in enumerate(zip(original_node.handlers, updated_node.handlers)):
            site = self.plan.catches.get(self.line_of(original))
            if site is not None and (site.typed or site.passthrough) and catches_value_error(updated) in ("only", "broad"):
                clauses = typed_clauses(updated, site.typed, site.kept) if site.typed else [updated]
                if site.passthrough:
                    clauses = [reraise_clause(site.passthrough, updated), clauses[0].with_changes(leading_lines=()), *clauses[1:]]
                # a last `except ValueError: raise` only re-raises what would propagate anyway
                if position == last and only_reraises(clauses[-1]):
                    clauses.pop()
                handlers.extend(clauses)
            else:
                handlers.append(updated)
        return updated_node.with_changes(handlers=handlers)


def class_source(name: str, newline: str) -> str:
    doc = CLASS_DOCS.get(name, f"A ValueError the application raises and its handlers catch as {name}.")
    return f'class {name}(ValueError):{newline}    """{doc}"""{newline}'


def define_classes(module: cst.Module, names: list[str], uses_them: bool) -> cst.Module:
    """The module with the class definitions added: after the imports when the module itself uses
    them, else at the end."""
    newline = module.default_newline
    classes = cst.parse_module(newline.join(class_source(name, newline) for name in names)).body
    spaced = [
        statement.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()]) for statement in classes
    ]
    body = list(module.body)
    at = len(body)
    if uses_them:
        imports = [i for i, s in enumerate(body) if is_import_line(s)]
        at = imports[-1] + 1 if imports else 0
        if at < len(body):  # two blank lines after the classes, and every comment kept
            lines = list(body[at].leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *lines])
    if at == 0:
        spaced[0] = spaced[0].with_changes(leading_lines=())
    return module.with_changes(body=body[:at] + spaced + body[at:])


def is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def import_key(node: cst.ImportFrom) -> tuple[int, str]:
    """isort's order: relative imports furthest first, then by module name."""
    module = dotted(node.module) if node.module is not None else ""
    return (-len(node.relative), module or "")


def single_import_from(statement: cst.BaseStatement) -> cst.ImportFrom | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        return small if isinstance(small, cst.ImportFrom) else None
    return None


def add_sorted_import(module: cst.Module, specs: list[ImportSpec], full_module_name: str) -> cst.Module:
    """Import the classes (one module, several names) where isort would put the line: in the
    sorted block of the same section, else after the last import as LibCST does."""
    if not specs:
        return module
    spec = specs[0]
    line = f"from {'.' * spec.relative}{spec.module} import {', '.join(s.obj or '' for s in specs)}"
    new = cst.parse_statement(line, config=module.config_for_parsing)
    new_key = import_key(single_import_from(new))  # type: ignore[arg-type]
    top = spec.module.split(".")[0]
    group = []
    for position, statement in enumerate(module.body):
        node = single_import_from(statement)
        if node is None:
            continue
        key = import_key(node)
        if key[1] == new_key[1] and key[0] == new_key[0]:
            return add_imports(module, specs, full_module_name)  # merge into the existing line
        if (spec.relative > 0) == bool(node.relative) and (spec.relative or key[1].split(".")[0] == top):
            group.append((position, key))
    keys = [key for _, key in group]
    if not group or keys != sorted(keys):
        return add_imports(module, specs, full_module_name)
    at = next((position for position, key in group if key > new_key), group[-1][0] + 1)
    body = list(module.body)
    if at == group[0][0]:  # the first of the block: take over the blank lines before it
        new = new.with_changes(leading_lines=body[at].leading_lines)
        body[at] = body[at].with_changes(leading_lines=())
    body.insert(at, new)
    return module.with_changes(body=body)


def new_module_text(names: list[str]) -> str:
    header = '"""Typed errors of the application. Each subclasses ValueError, so every existing\n'
    header += '`except ValueError` keeps catching it."""\n'
    return header + "".join(f"\n\n{class_source(name, chr(10))}" for name in names)


# -- the transform ---------------------------------------------------------------------------


class TypedExceptions(Transform):
    """Replace string-matched ValueErrors with typed exceptions.

    The defect: the API layer classifies errors by their text (`if "already exists" in str(e):
    409`), so rewording a message silently changes an endpoint's status. The repair defines
    `ResourceExistsError(ValueError)` and friends, raises them where the error starts, and catches
    them with `except ResourceExistsError` clauses placed before the remaining `except ValueError`.

    Catch sites: `except ValueError as e` and `except Exception as e` whose handler is an if/elif
    chain (or consecutive ifs, plain statements such as a log line between them) or one
    conditional expression (`status = 400 if "x" in msg else 404`) testing `"…" in str(e)`,
    `str(e).lower()`, `.startswith`/`.endswith`, `== "…"`, `e.args[0]`, an alias `msg = str(e)`,
    or an `or` of those. Each replaced branch becomes a typed clause that runs exactly the code the
    branch ran (`from e` added to raises of new exceptions).

    Which raises reach a handler is the semantic model's answer: through project functions,
    methods of project classes (an instance built in the try block, a parameter, `self.service`, a
    Protocol with one implementation), nested try statements. A branch gets a typed clause for:
      - the project's `raise ValueError("…")` (f-strings, `+`, `msg = …` just before) that reach
        it with the phrase: they become a new class of the phrase table ("not found" ->
        ResourceNotFoundError, …, option `classes`), defined in the project's exceptions module;
      - an exception class the project already has whose every raise, anywhere, carries the
        phrase in the message its `__init__` builds (`class OfferExpiredError(OfferError)`): it
        is caught by type and imported from where it lives; no twin class is made.
    Every raise of the class must have taken this very branch before (else the branch is left).

    The safety rule: every error reaching the handler takes the branch it took before, so every
    response keeps its status and body. The string test is removed from the fallback only when
    the model proves nothing else can carry the phrase there: no code it cannot follow (a value
    without a type, a third-party or builtin call: `int("not found")` says "not found"), no string
    holding the phrase that reaches a ValueError by a path it cannot follow, no raise wrapping
    another error's text (`raise ValueError(f"Error updating: {e}")`), no phrase from
    `external_phrases`, no `e.args[0]`. Otherwise the typed clause comes first and the string
    test stays in the fallback for the rest; the report says why. A handler that reaches project
    code that does not parse is left exactly as it is (REVIEW): converted raises are seen by
    every handler, and that file's cannot be checked.

    `except Exception` handlers: an HTTPException raised in the try block that the handler would
    turn into another response (`"404" in str(e)` … else 500) is re-raised first (`except
    HTTPException: raise`): the one change of behaviour, the fix the audits ask for. Nothing else
    is changed there but typed clauses; one left as it is is noted (SKIPPED), not listed for
    review: such handlers classify driver and third-party text all the time.

    Left alone: ValueErrors no handler tests (`int("x")`, "Price must be positive"), phrases no
    reachable raise produces, handlers whose branches all do what the default does, `except
    (ValueError, X)` and handlers that show the exception's type (REVIEW), raises no typed handler
    reaches (converting them would only widen the diff).
    """

    name = "typed-exceptions"
    summary = "raise and catch typed exceptions instead of matching ValueError messages"
    safety = Safety.UNSAFE
    triggers = (b"except ValueError", b"except (ValueError", b"except builtins.ValueError", b"except Exception")
    options = {
        "classes": Option(
            {}, "phrase to class name: TOML table, or 'phrase=Class,phrase=Class'", parse_classes
        ),
        "module": Option("", "dotted module that holds the exception classes (default: found or created)"),
        "external_phrases": Option(
            DEFAULT_EXTERNAL_PHRASES,
            "phrases that may come from ValueErrors outside the project; their tests are kept",
            parse_list,
        ),
    }
    example_before = (
        "except ValueError as e:\n"
        '    if "already exists" in str(e):\n'
        "        raise HTTPException(status_code=409, detail=str(e))\n"
        "    raise HTTPException(status_code=400, detail=str(e))\n"
    )
    example_after = (
        "except ResourceExistsError as e:\n"
        "    raise HTTPException(status_code=409, detail=str(e)) from e\n"
        "except ValueError as e:\n"
        "    raise HTTPException(status_code=400, detail=str(e)) from e\n"
    )
    rationale = (
        "Classifying errors by their message couples the HTTP layer to the wording of every raise: "
        "rewording 'already exists' turns a 409 into a 400 without any test failing. Typed "
        "exceptions make the contract explicit and checkable."
    )
    behaviour_change = (
        "The converted raises now raise subclasses of ValueError: every `except ValueError` and "
        "isinstance check still matches and every response keeps its status and body, but "
        "`type(e) is ValueError`, repr(e) and the class name in logs and tracebacks change, and "
        "re-raised HTTP errors now chain their cause (`from e`). In `except Exception` handlers an "
        "HTTPException raised inside the try block now reaches FastAPI as it was raised instead of "
        "being turned into the handler's response (a 400 no longer becomes a 500)."
    )
    commit_subject = "use typed exceptions at {sites} string-matched ValueError sites"

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.plans: dict[str, FilePlan] = {}
        self.reports: dict[str, list[Site]] = {}
        self.new_module: NewFile | None = None
        self.tests: frozenset[MessageTest] = frozenset()
        self.watched: frozenset[str] = frozenset()
        self.reused: dict[str, str] = {}  # existing classes the handlers catch: name -> qualified

    # -- plan --

    def plan(self, project: Project) -> None:
        catch_files = [f for f in project.files_containing(*self.triggers) if may_test_messages(f)]
        sites = [site for mapped in project.map(scan_catch_sites, catch_files) for site in mapped.value]
        if not sites:
            return
        self.tests = frozenset(
            t for site in sites if not site.problem for c in site.conditions for t in c.tests
        )
        target = self.exceptions_module(project, sites)
        candidates = {class_name_for(test.phrase, self.settings["classes"]) for test in self.tests}
        self.watched = frozenset(
            name for name, plain in target.existing.items() if plain and name in candidates
        )
        phrase_files = files_holding_phrases(project, map(PhraseFilter.for_test, self.tests))
        phrase_files += [
            f for f in project.files_containing(*(n.encode() for n in self.watched)) if f not in phrase_files
        ]
        sources = [s for mapped in project.map(self.scan_messages, phrase_files) for s in mapped.value]
        model = project.model()
        index = model.index
        planner = Planner(
            sites, sources, model, self.settings["classes"], self.settings["external_phrases"], target
        )
        site_plans = {id(site): planner.decide(site) for site in sites}
        raises = planner.used_raises(site_plans)
        for site in sites:
            self.record_site(site, site_plans[id(site)])
        for source, cls in raises.items():
            self.file_plan(source.relpath).raises[source.line] = cls
            self.report(
                source.relpath, Site(source.line, 0, Action.CHANGED, f"raise {cls} instead of ValueError")
            )
        self.reused = planner.reused
        self.place_classes(project, index, target, sites, site_plans, raises)

    def scan_messages(self, source: SourceFile) -> list[MessageSource]:
        return MessageScanner(source, self.tests, self.watched).scan()

    def file_plan(self, relpath: str) -> FilePlan:
        return self.plans.setdefault(relpath, FilePlan())

    def report(self, relpath: str, site: Site) -> None:
        self.reports.setdefault(relpath, []).append(site)

    def record_site(self, site: CatchSite, plan: SitePlan) -> None:
        action, message = plan.action, plan.message
        if site.broad:
            # `except Exception` classifies third-party errors by text all the time (driver and
            # redis messages): one left as it is is noted, not put on every review list
            action = Action.SKIPPED if action is Action.REVIEW else action
        self.report(site.relpath, Site(site.line, site.column, action, message))
        if plan.typed or plan.passthrough:
            self.file_plan(site.relpath).catches[site.line] = plan

    def exceptions_module(self, project: Project, sites: list[CatchSite]) -> ExceptionsModule:
        """Where the classes live: option `module`, else `<pkg>.exceptions`/`<pkg>.errors`, else new."""
        module = self.settings["module"]
        if not module:
            # the package as the code spells it: `app` for `app/routers/x.py` imported as `app.routers.x`
            # (a namespace folder above the package `routers`), so the classes go to `app/exceptions.py`
            prefixes = {
                site.relpath: project.namespace_prefix(source)
                for site in sites
                if (source := project.find_file(site.relpath)) is not None
            }
            packages = Counter(
                (prefixes.get(site.relpath, "") + site.module).split(".")[0] for site in sites if "." in site.module
            )
            top = packages.most_common(1)[0][0] if packages else ""
            candidates = [f"{top}.exceptions", f"{top}.errors"] if top else []
            module = next((c for c in candidates if project.find_module(c)), "")
            if not module:
                modules = sorted({site.module for site in sites})
                module = f"{top}.exceptions" if top else (modules[0] if len(modules) == 1 else "exceptions")
        existing = project.find_module(module)
        if existing is not None:
            return ExceptionsModule(module, existing.relpath, True, existing_classes(existing.ast))
        path = project.path_for_module(module)
        return ExceptionsModule(module, project.relpath_for(path), False)

    def place_classes(
        self,
        project: Project,
        index: ProjectIndex,
        target: ExceptionsModule,
        sites: list[CatchSite],
        site_plans: dict[int, SitePlan],
        raises: dict[MessageSource, str],
    ) -> None:
        """Define the classes in use and import them in every file that uses them."""
        users: dict[str, set[str]] = {}
        modules: dict[str, str] = {}
        for site in sites:
            for classes in site_plans[id(site)].typed.values():
                users.setdefault(site.relpath, set()).update(classes)
                modules[site.relpath] = site.module
        for source, cls in raises.items():
            users.setdefault(source.relpath, set()).add(cls)
            modules[source.relpath] = source.module
        used = sorted({cls for names in users.values() for cls in names}, key=table_order)
        missing = [cls for cls in used if cls not in target.existing and cls not in self.reused]
        if missing and target.exists:
            self.file_plan(target.relpath).define = missing
        elif missing:
            self.new_module = NewFile(target.relpath, new_module_text(missing))
        for relpath, names in users.items():
            if relpath == target.relpath:
                continue
            facts = index.modules.get(modules[relpath])
            specs = [
                self.import_spec(project, facts, modules[relpath], home, cls)
                for cls in sorted(names)
                for home in [index.split_module(self.reused[cls])[0] or "" if cls in self.reused else target.module]
                if home != modules[relpath]
            ]
            self.file_plan(relpath).imports += [spec for spec in specs if spec is not None]
        for site in sites:
            spec = site_plans[id(site)].passthrough_import
            if spec is not None and spec not in self.file_plan(site.relpath).imports:
                self.file_plan(site.relpath).imports.append(spec)

    @staticmethod
    def import_spec(
        project: Project, facts: ModuleFacts | None, module: str, target: str, cls: str
    ) -> ImportSpec | None:
        if facts is not None and cls in facts.imports:
            return None  # already imported (a clash was ruled out by the planner)
        source = project.find_module(module)
        relative = source is not None and any(
            isinstance(node, ast.ImportFrom) and node.level > 0 for node in source.ast.body
        )
        if relative and module.split(".")[0] == target.split(".")[0] and "." in module:
            package = (
                module.split(".") if source is not None and source.is_package else module.split(".")[:-1]
            )
            parts = target.split(".")
            common = 0
            while common < min(len(package), len(parts) - 1) and package[common] == parts[common]:
                common += 1
            return ImportSpec(".".join(parts[common:]), cls, relative=len(package) - common + 1)
        return ImportSpec(project.import_name(source, target) if source is not None else target, cls)

    # -- the phases the engine runs after the plan --

    def candidates(self, project: Project) -> list[SourceFile]:
        wanted = set(self.plans) | set(self.reports)
        return [source for source in project.files if source.relpath in wanted]

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        plan = self.plans.get(source.relpath)
        sites = self.reports.get(source.relpath, [])
        if plan is None:
            return FileRewrite(None, sites) if sites else None
        module = source.cst
        if plan.catches or plan.raises:
            rewriter = Rewriter(source.lines, plan)
            module = visit_near(module, rewriter, source.lines, [*plan.raises, *plan.catches])
            if rewriter.replaced_qualified:
                module = remove_unused_imports(module, [ImportSpec("builtins")], source.module)
        if plan.define:
            module = define_classes(module, plan.define, uses_them=bool(plan.catches or plan.raises))
        groups: dict[tuple[str, int], list[ImportSpec]] = {}
        for spec in plan.imports:
            groups.setdefault((spec.module, spec.relative), []).append(spec)
        for specs in groups.values():
            module = add_sorted_import(module, specs, source.module)
        return FileRewrite(source.code_of(module), sites)

    def new_files(self, project: Project) -> list[NewFile]:
        return [self.new_module] if self.new_module else []


def existing_classes(tree: ast.Module) -> dict[str, bool]:
    """Top-level classes of a module: name -> whether it subclasses ValueError alone."""
    return {
        node.name: [dotted_name(b) for b in node.bases] in (["ValueError"], ["builtins.ValueError"])
        and not node.keywords
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def table_order(name: str) -> tuple[int, str]:
    """Classes in the order of the table (not found, exists, permission...), then by name."""
    order = list(dict.fromkeys(DEFAULT_CLASSES.values()))
    return (order.index(name) if name in order else len(order), name)
