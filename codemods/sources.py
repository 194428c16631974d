"""One Python source file as the engine and transforms see it: bytes in, text out, bytes back."""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

T = TypeVar("T")

import libcst as cst
from fixit_codemods.codegen import code_of_nodes, module_code, parser_output_unvalidated
from fixit_codemods.modern_syntax import UnreadableSource, parse_ast

if TYPE_CHECKING:
    from fixit_codemods.lines import Lines, TopLevelPieces
    from fixit_codemods.metadata import Metadata

ROUND_TRIP_ERROR = "LibCST does not give this file back byte for byte; left as it is"


class SourceError(Exception):
    """A file that cannot be handled (not text, not decodable, not valid Python)."""


def decode_source(data: bytes) -> tuple[str, str]:
    """Decode like Python itself does (BOM, PEP 263 cookie, else UTF-8). Returns (text, encoding).

    The encoding returned re-encodes the text to the same bytes: 'utf-8-sig' keeps a BOM.
    """
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding also fails on undecodable bytes in the first two lines: say which
        encoding = "utf-8"
        if b"coding" in data[:200]:
            raise SourceError(f"bad encoding declaration: {error}") from error
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"not valid {encoding} text: {error}") from error
    # 'utf-8-sig' decoding drops the BOM and encoding with it adds it back
    return text, encoding


def detect_newline(text: str) -> str:
    index = text.find("\n")
    if index > 0 and text[index - 1] == "\r":
        return "\r\n"
    if index == -1 and "\r" in text:
        return "\r"
    return "\n"


@dataclass
class SourceFile:
    """A file's identity and content. Picklable: it travels to worker processes with its bytes."""

    path: Path  # absolute
    relpath: str  # POSIX path relative to the project root, used in reports
    module: str  # dotted module name ("app.api.routes"), "" when unknown
    is_package: bool  # an __init__.py
    data: bytes
    _text: tuple[str, str] | None = field(default=None, repr=False, compare=False)
    # why the file does not parse, once known: every later reader (another transform, a worker)
    # is told at once instead of parsing it again with both parsers
    _syntax_error: str | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = decode_source(self.data)
        return self._text[0]

    @property
    def encoding(self) -> str:
        if self._text is None:
            self._text = decode_source(self.data)
        return self._text[1]

    @property
    def newline(self) -> str:
        return detect_newline(self.text)

    def contains(self, *needles: bytes) -> bool:
        return any(needle in self.data for needle in needles)

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)

    def with_text(self, text: str, tree: ast.Module | None = None) -> SourceFile:
        """The same file with new content (the next transform in a run sees this). `tree`: its
        stdlib tree, when the caller has parsed it already (`check_parses`)."""
        data, decoded = self.encode(text), (text, self.encoding)
        changed = SourceFile(self.path, self.relpath, self.module, self.is_package, data, decoded)
        if tree is not None:
            changed.__dict__["ast"] = tree  # what the `ast` property would read again
        return changed

    @cached_property
    def ast(self) -> ast.Module:
        """The stdlib AST: ~10x cheaper than LibCST; use it to decide whether to parse with LibCST.

        Syntax newer than the running Python is read too (see `modern_syntax`): line numbers are
        the file's, columns on a line with a lowered construct may differ."""
        if self._syntax_error is not None:
            raise SourceError(self._syntax_error)
        try:
            return parse_ast(self.text, self.relpath)
        except UnreadableSource as error:
            self._syntax_error = str(error)
            raise SourceError(self._syntax_error) from error

    @cached_property
    def cst(self) -> cst.Module:
        try:
            with parser_output_unvalidated():
                module = cst.parse_module(self.text)
        except cst.ParserSyntaxError as error:
            raise SourceError(f"syntax error at line {error.raw_line}: {error.message}") from error
        except RecursionError as error:  # valid but deeply nested code (hundreds of joined strings)
            raise SourceError("nested too deeply for the parser; left as it is") from error
        return module

    def check_round_trip(self) -> None:
        """Raise SourceError unless LibCST gives this file back byte for byte. Every edit is made
        on `cst`: one made on a tree that does not give the file back would change more than the
        edit (a comment or blank line lost). Asked where an answer depends on the whole tree
        (`code_of` when it cannot check the pieces an edit replaces, positions: `lines`)."""
        if "_round_trips" not in self.__dict__:
            self._round_trips = module_code(self.cst) == self.text
        if not self._round_trips:
            raise SourceError(ROUND_TRIP_ERROR)

    def code_of(self, module: cst.Module) -> str:
        """`module.code` for `module`, an edit of this file's tree (`cst`), without generating the
        code of what the edit kept: the file's own text of each top-level statement kept (the same
        node) stands, and each one replaced or removed is checked to give back its own text
        (`Lines.top_level_pieces` says where each lies), so the edit changes that text and nothing
        else. A top-level statement's code depends on nothing outside it but the module's indent
        and newline, checked to be the same. Anything else: the whole tree's code, once the file
        is shown to round-trip (SourceError otherwise)."""
        original = self.cst
        if module is original:
            return self.text
        pieces = self._top_level_pieces()
        if (
            pieces is None
            or not module.body
            or not module.has_trailing_newline
            or module.default_indent != original.default_indent
            or module.default_newline != original.default_newline
        ):
            self.check_round_trip()
            return module_code(module)
        kept = {id(node) for node in module.body if pieces.statements.get(id(node), (None,))[0] is node}
        for node, start, end in pieces.statements.values():
            if id(node) not in kept and code_of_nodes(original, (node,)) != self.text[start:end]:
                self.check_round_trip()  # the pieces are not where they seemed: the whole tree decides
                return module_code(module)
        same_header = _same(module.header, original.header)
        parts = [self.text[: pieces.header_end] if same_header else code_of_nodes(module, module.header)]
        for node in module.body:
            if id(node) in kept:
                _, start, end = pieces.statements[id(node)]
                parts.append(self.text[start:end])
            else:
                parts.append(code_of_nodes(module, (node,)))
        same_footer = _same(module.footer, original.footer)
        footer = self.text[pieces.footer_start :] if same_footer else code_of_nodes(module, module.footer)
        parts.append(footer)
        return "".join(parts)

    def _top_level_pieces(self) -> TopLevelPieces | None:
        """`Lines.top_level_pieces`, with the header and footer checked to give back their text."""
        if "_pieces" not in self.__dict__:
            pieces = self.lines.top_level_pieces()
            module = self.cst
            if pieces is not None and (
                code_of_nodes(module, module.header) != self.text[: pieces.header_end]
                or code_of_nodes(module, module.footer) != self.text[pieces.footer_start :]
            ):
                pieces = None
            self._pieces = pieces
        return self._pieces  # type: ignore[no-any-return]

    def metadata(self) -> Metadata:
        """A MetadataWrapper of `cst` whose positions are `lines.positions` (shared, and checked)."""
        from fixit_codemods.metadata import Metadata

        return Metadata(self.cst, positions=lambda: self.lines.positions)

    @cached_property
    def lines(self) -> Lines:
        """Where the nodes of `cst` start and end, without LibCST's position computation for the
        statements (see `lines`): what a rewrite asks to find the sites its plan chose."""
        from fixit_codemods.lines import Lines

        try:
            tree: ast.Module | None = self.ast
        except SourceError:  # LibCST reads it, the stdlib cannot: positions come from LibCST
            tree = None
        return Lines(self.cst, tree, self.text)

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()`, once per content and process: what a transform derives from the file's tree
        in `plan` (its sites, with positions and qualified names: LibCST metadata, the costly part)
        and needs again in `rewrite`. Kept with the trees: a file with new content is a new
        SourceFile, and a worker process computes its own."""
        cache: dict[str, object] = self.__dict__.setdefault("_derived", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]  # type: ignore[return-value]

    def __getstate__(self) -> dict[str, object]:
        # cached trees (and what was derived from them) are rebuilt in the worker rather than pickled
        return {
            "path": self.path,
            "relpath": self.relpath,
            "module": self.module,
            "is_package": self.is_package,
            "data": self.data,
            "_text": self._text,
            "_syntax_error": self._syntax_error,
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)


def _same(nodes: Sequence[cst.CSTNode], others: Sequence[cst.CSTNode]) -> bool:
    return len(nodes) == len(others) and all(a is b for a, b in zip(nodes, others))


def check_parses(text: str, filename: str) -> ast.Module:
    """Raise SourceError unless `text` is valid Python 3 (any version LibCST reads, not only the
    running interpreter's: the stdlib where it reads the text, LibCST plus the stdlib after that).
    Returns the stdlib tree, as `SourceFile.ast` reads it."""
    try:
        return parse_ast(text, filename)
    except UnreadableSource as error:
        raise SourceError(f"output does not parse: {error}") from error
