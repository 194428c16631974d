"""Comments a rewrite dropped from code it kept, put back.

A transform rebuilds an expression or a statement from its parts (`Depends(  # why` → `DatabaseDep`,
`db = await anext(  # note` → `async with … as db:`), and a comment inside the old one has no place in
the new one. `keep_comments` compares the comments of a file before and after a rewrite, line block
by line block (difflib on the lines, as a reviewer reads the diff):

- a block of lines the rewrite *replaced*: each comment of the old block missing from the new text
  is put back as a comment line just above the statement that now holds the new line most like the
  comment's code (its own line, or the next line with code), at its indentation (a clause such as
  `except`/`else`, or a decorator, counts as a statement here);
- code removed on purpose (e.g. a `create_all()` call, a cleanup line no longer needed): a block of
  lines deleted outright, or a comment whose code line shares no name with the new block (nor, for
  a comment inside a statement written over several lines, that statement's replaced lines), takes
  its comments with it;
- a comment that moved elsewhere (the multiset of comment texts still holds it) stays where it went.

The result is the rewrite's text with comment lines added, nothing else: it parses whenever the
rewrite did, and a second run finds every comment in place. Works on LibCST trees, so on any syntax
LibCST reads.
"""

from __future__ import annotations

import difflib
import io
import keyword
import re
import tokenize
from collections import Counter
from collections.abc import Iterable
from typing import cast

import libcst as cst
from fixit_codemods.metadata import Metadata
from fixit_codemods.walk import transform, walk_with_metadata
from libcst.metadata import CodeRange, PositionProvider


class _CommentFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append((self.get_metadata(PositionProvider, node).start.line, node.value))


def comments_by_line(module: cst.Module) -> list[tuple[int, str]]:
    """(line, text) of every comment of a module, in order."""
    finder = _CommentFinder()
    walk_with_metadata(Metadata(module), finder)
    return finder.found


def lost_comments(before: cst.Module, after: cst.Module) -> list[tuple[int, str]]:
    """(line of the new text, comment) for each comment of `before` that the rewrite dropped from
    code it kept: the line is the one of the new block most like the comment's code line."""
    old, new = comments_by_line(before), comments_by_line(after)
    missing = Counter(text for _, text in old) - Counter(text for _, text in new)
    if not missing:
        return []
    old_lines, new_lines = _lines(before.code), _lines(after.code)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    statements = _statements(before)
    lost = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue  # equal: the comments are there; delete: removed on purpose; insert: nothing old
        kept = Counter(text for line, text in new if j1 < line <= j2)
        for line, text in old:
            if not i1 < line <= i2:
                continue
            if kept[text] > 0:  # still in the block
                kept[text] -= 1
                continue
            if missing[text] <= 0:  # moved elsewhere
                continue
            where = _new_home(_code_of(old_lines, line - 1, text), new_lines, j1, j2)
            if where is None:  # a comment inside a statement written over several lines: its statement's lines
                where = _new_home(_statement_code(statements, old_lines, line, i1, i2), new_lines, j1, j2)
            if where is not None:
                missing[text] -= 1
                lost.append((where, text))
    return lost


WORD = re.compile(r"[^\W\d]\w*")


def _words(code: str) -> set[str]:
    return {word for word in WORD.findall(code) if not keyword.iskeyword(word)}


def _code_of(lines: list[str], index: int, comment: str) -> str:
    """The code a comment annotates: its own line without it, or the next line with code."""
    own = lines[index].replace(comment, "", 1)
    if _words(own):
        return own
    for following in lines[index + 1 :]:
        code = following.split("#", 1)[0]
        if _words(code):
            return code
    return own


def _statement_code(
    statements: list[tuple[CodeRange, cst.CSTNode]], lines: list[str], line: int, start: int, end: int
) -> str:
    """The lines of the replaced block [start, end) that belong to the statement holding `line`
    (nothing when `line` is not inside one: a comment line above a statement is the statement's)."""
    spanning = [r for r, _ in statements if r.start.line <= line <= r.end.line]
    if not spanning:
        return ""
    innermost = min(spanning, key=lambda r: r.end.line - r.start.line)
    first, last = max(innermost.start.line - 1, start), min(innermost.end.line, end)
    return "\n".join(lines[first:last])


def _new_home(code: str, lines: list[str], start: int, end: int) -> int | None:
    """The 1-based line of lines[start:end] sharing the most names with `code`; None when none
    does: the code the comment annotated was removed, not rewritten."""
    words = _words(code)
    scored = [(len(words & _words(lines[index])), -index) for index in range(start, end)]
    best = max(scored, default=(0, 0))
    return -best[1] + 1 if best[0] else None


def _lines(code: str) -> list[str]:
    """The lines as LibCST numbers them (only CR LF, CR and LF end a line)."""
    return re.split(r"\r\n|\r|\n", code)





class _Statements(cst.CSTVisitor):
    """Every node that can carry comment lines above it, with where it is."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[CodeRange, cst.CSTNode]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(getattr(node, "leading_lines", None), Iterable) and not isinstance(node, cst.Module):
            self.found.append((self.get_metadata(PositionProvider, node), node))
        return True


def _holder(statements: list[tuple[CodeRange, cst.CSTNode]], line: int) -> cst.CSTNode | None:
    """The innermost statement (or clause, or decorator) spanning `line`; else the first one after it."""
    spanning = [(r, n) for r, n in statements if r.start.line <= line <= r.end.line]
    if spanning:
        return min(spanning, key=lambda item: (item[0].end.line - item[0].start.line, -item[0].start.line))[1]
    after = [(r, n) for r, n in statements if r.start.line > line]
    return min(after, key=lambda item: item[0].start.line)[1] if after else None


class _AddCommentLines(cst.CSTTransformer):
    def __init__(self, comments: dict[cst.CSTNode, list[str]]) -> None:
        super().__init__()
        self.comments = comments

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        texts = self.comments.get(original)
        if not texts:
            return updated
        lines = [cst.EmptyLine(indent=True, comment=cst.Comment(text)) for text in texts]
        return updated.with_changes(leading_lines=[*updated.leading_lines, *lines])  # type: ignore[attr-defined]


def _statements(module: cst.Module) -> list[tuple[CodeRange, cst.CSTNode]]:
    found = _Statements()
    walk_with_metadata(Metadata(module), found)
    return found.found


def keep_comments(before: cst.Module, after: cst.Module) -> cst.Module:
    """`after` with the comments the rewrite dropped from `before`'s replaced lines put back above
    the statements now holding those lines (see the module docstring). `after` itself if none was."""
    lost = lost_comments(before, after)
    if not lost:
        return after
    statements = _statements(after)
    placed: dict[cst.CSTNode, list[str]] = {}
    for line, text in lost:
        holder = _holder(statements, line)
        if holder is not None:
            placed.setdefault(holder, []).append(text)
    return cast(cst.Module, transform(after, _AddCommentLines(placed))) if placed else after


def _comment_texts(text: str) -> Counter[str] | None:
    """The comments of `text` as a multiset, by the stdlib tokenizer; None when it cannot read the
    text (syntax newer than this Python's tokenizer, a tab/space mix it rejects, …)."""
    counted: Counter[str] = Counter()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                counted[token.string.rstrip()] += 1
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return counted


def comments_unchanged(before_text: str, after_text: str) -> bool:
    """True when the rewrite kept every comment of `before_text` (the same comments, as a multiset,
    read by the stdlib tokenizer): then nothing can have been lost and no tree needs building, which
    is most rewrites and most of this module's cost. False when either text cannot be tokenized: the
    caller takes the tree path, which reads any syntax LibCST reads."""
    if _comment_lines(before_text) == _comment_lines(after_text):
        return True  # every line holding a `#` is still there: no comment can have gone
    before = _comment_texts(before_text)
    return before is not None and before == _comment_texts(after_text)


def _comment_lines(text: str) -> Counter[str]:
    """The lines that may hold a comment, without their indentation (a rewrite may indent a block),
    as a multiset: a tenth of the tokenizer's cost, and the same answer unless a line moved into or
    out of a string, which no transform does."""
    return Counter(line.strip() for line in text.splitlines() if "#" in line)


def keep_comments_in_text(before: cst.Module, after_text: str) -> str:
    """`keep_comments` on a rewrite's text; the text as it is when it does not parse (the caller's
    validation reports that)."""
    try:
        after = cst.parse_module(after_text)
    except cst.ParserSyntaxError:
        return after_text
    kept = keep_comments(before, after)
    return after_text if kept is after else kept.code
