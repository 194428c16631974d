"""A bounded, seeded fuzzer over the golden inputs: each variant is a golden case's input with one
mutation (comments at token boundaries, CRLF, trailing whitespace, blank lines, tabs, a BOM, an extra
class or block around the module, deep nesting), run through the case's transform and checked:

- no internal error, and no failure the unmutated case does not have;
- every output parses;
- a second run changes nothing;
- no comment is lost: the comments of each input file appear in its output (as multisets of their
  text), wherever the transform moved them; except the comments on and above a statement whose own
  code (a compound statement's up to its body) is gone from the output — removed on purpose, or
  rewritten as a whole — which this check cannot tell apart (golden cases pin those).

Used by tests/test_fuzz.py; `python tests/fuzzing.py [ITERATIONS [SEED]]` runs it by hand.
"""

from __future__ import annotations

import difflib
import io
import random
import re
import shutil
import sys
import tempfile
import tokenize
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from fixit_codemods.engine import Engine
from fixit_codemods.sources import SourceError, check_parses, decode_source
from fixit_codemods.testing import case_dirs, case_options, transform_for_case
from fixit_codemods.writer import write_changes

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
# (text, rng, the lines the transform changes in the unmutated file) → mutated text, None: not applicable
Mutation = Callable[[str, random.Random, "set[int]"], "str | None"]


@dataclass(frozen=True)
class Variant:
    case: Path
    mutation: str
    seed: int

    def __str__(self) -> str:
        return f"{self.case.relative_to(GOLDEN).as_posix()} [{self.mutation}, seed {self.seed}]"


# -- reading ---------------------------------------------------------------------------------


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value.rstrip())


def comments(text: str) -> Counter[str]:
    """The comments of a module, as a multiset of their text (LibCST reads every Python version)."""
    visitor = _Comments()
    cst.parse_module(text).visit(visitor)
    return Counter(visitor.found)


def _squeezed(code: str) -> str:
    """Code without comments and whitespace: what a statement is, wherever a rewrite put it."""
    return re.sub(r"\s+", "", re.sub(r"#[^\r\n]*", "", code))


class _Headers(cst.CSTVisitor):
    """Each statement's, clause's and decorator's own code: a simple statement or a clause whole, a
    compound statement up to its body, with the comment lines above it; a function or class counts
    as gone only when its name is (a rewritten parameter list is not a removal)."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.found: list[tuple[str, str]] = []  # (what must be gone, the code whose comments go with it)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Module) or not hasattr(node, "leading_lines"):
            return True
        code = self.module.code_for_node(node)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):  # gone when its name is: not a rewritten header
            keyword = "class" if isinstance(node, cst.ClassDef) else "def"
            self.found.append((f"{keyword} {node.name.value}", code))  # a removed function goes whole
            return True
        body = getattr(node, "body", None)
        clause = isinstance(node, (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler))
        if isinstance(body, cst.BaseSuite) and not clause:  # `finally:` alone is everywhere: a clause is whole
            code = code[: code.find(self.module.code_for_node(body))]
            if isinstance(body, cst.IndentedBlock):
                code += self.module.code_for_node(body.header)  # the header's own trailing comment
        self.found.append((code, code))
        return True


def removed_on_purpose(before: str, after: str) -> Counter[str]:
    """The comments on and above the statements, clauses and decorators whose own code (a compound
    statement's up to its body) is gone from `after`: removed, or rewritten as a whole into something
    else (`db = await anext(ctx)` → `async with ctx as db:`). The fuzzer does not ask for those."""
    module = cst.parse_module(before)
    headers = _Headers(module)
    module.visit(headers)
    remaining = _squeezed(after)
    return Counter(
        comment.rstrip()
        for identity, code in headers.found
        if _squeezed(identity) not in remaining
        for comment in re.findall(r"#[^\r\n]*", code)
    )


def _tokens(text: str) -> list[tokenize.TokenInfo] | None:
    """The tokens, or None where this interpreter's tokenizer cannot read the file (newer syntax)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    if any(token.type == getattr(tokenize, "FSTRING_START", -1) for token in tokens):
        return None  # 3.12 splits f-strings into tokens: their insides are no place for a comment
    return tokens


def _offsets(text: str) -> list[int]:
    starts, total = [0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _pick(spots: list[tuple[int, int]], rng: random.Random, hot: set[int]) -> tuple[int, int]:
    """A spot (line, offset), most often on a line the transform rewrites."""
    near = [spot for spot in spots if spot[0] in hot]
    return rng.choice(near if near and rng.random() < 0.8 else spots)


def _sample(spots: list[tuple[int, int]], rng: random.Random, hot: set[int], count: int) -> list[int]:
    """Up to `count` distinct offsets, most on lines the transform rewrites, last first."""
    chosen = {_pick(spots, rng, hot) for _ in range(count)}
    return sorted((offset for _, offset in chosen), reverse=True)


def _code_line_ends(text: str) -> list[tuple[int, int]] | None:
    """(line, offset) of the end of every line that ends outside a string (before its newline)."""
    tokens = _tokens(text)
    if tokens is None:
        return None
    offsets = _offsets(text)
    ends = set()
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.NL) and token.string:
            ends.add((token.start[0], offsets[token.start[0] - 1] + token.start[1]))
        elif token.type == tokenize.COMMENT:
            ends.add((token.end[0], offsets[token.end[0] - 1] + token.end[1]))
    return sorted(ends)


# -- mutations ------------------------------------------------------------------------------


def comment_in_brackets(text: str, rng: random.Random, hot: set[int]) -> str | None:
    """A comment (and a line break) at a token boundary inside brackets, where code continues."""
    tokens = _tokens(text)
    if tokens is None:
        return None
    offsets = _offsets(text)
    depth, spots = 0, []
    lines = text.splitlines(keepends=True)
    for token, following in zip(tokens, tokens[1:]):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        if depth <= 0 or token.type in (tokenize.COMMENT, tokenize.NL) or following.type in (tokenize.NL, tokenize.COMMENT):
            continue
        if token.end[0] != following.start[0] or lines[token.end[0] - 1].rstrip("\r\n").endswith("\\"):
            continue
        spots.append((token.end[0], offsets[token.end[0] - 1] + token.end[1]))
    if not spots:
        return None
    _, spot = _pick(spots, rng, hot)
    newline = "\r\n" if "\r\n" in text else "\n"
    return f"{text[:spot]}  # fuzz-inner-{rng.randrange(1000)}{newline}{' ' * 8}{text[spot:].lstrip(' ')}"


def comment_at_line_end(text: str, rng: random.Random, hot: set[int]) -> str | None:
    """A trailing comment at the end of a few code lines (not inside strings)."""
    ends = _code_line_ends(text)
    if not ends:
        return None
    for spot in _sample(ends, rng, hot, 3):
        line_start = text.rfind("\n", 0, spot) + 1
        if "#" in text[line_start:spot] or text[line_start:spot].rstrip("\r").endswith("\\"):
            continue  # a comment there already, or a continuation
        at = spot - 1 if text[:spot].endswith("\r") else spot
        text = f"{text[:at]}  # fuzz-end-{rng.randrange(1000)}{text[at:]}"
    return text


def comment_line_above(text: str, rng: random.Random, hot: set[int]) -> str | None:
    """A comment line, indented like the statement below it, above a few statements."""
    tokens = _tokens(text)
    if tokens is None:
        return None
    lines = text.splitlines(keepends=True)
    starts = sorted({t.start[0] for t in tokens if t.type == tokenize.NAME and t.start[1] == _indent(lines[t.start[0] - 1])
                     and _is_statement_start(tokens, t)})
    if not starts:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    for number in _sample([(n, n) for n in starts], rng, hot, 3):
        line = lines[number - 1]
        lines.insert(number - 1, f"{line[: _indent(line)]}# fuzz-above-{rng.randrange(1000)}{newline}")
    return "".join(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _is_statement_start(tokens: list[tokenize.TokenInfo], token: tokenize.TokenInfo) -> bool:
    index = tokens.index(token)
    previous = next((t for t in reversed(tokens[:index]) if t.type not in (tokenize.COMMENT, tokenize.NL)), None)
    return previous is None or previous.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def crlf(text: str, rng: random.Random, hot: set[int]) -> str | None:
    return text.replace("\r\n", "\n").replace("\n", "\r\n") if "\n" in text else None


def trailing_whitespace(text: str, rng: random.Random, hot: set[int]) -> str | None:
    ends = _code_line_ends(text)
    if not ends:
        return None
    for spot in _sample(ends, rng, hot, 5):
        at = spot - 1 if text[:spot].endswith("\r") else spot
        text = text[:at] + rng.choice([" ", "  ", "\t", " \t "]) + text[at:]
    return text


def blank_lines(text: str, rng: random.Random, hot: set[int]) -> str | None:
    ends = _code_line_ends(text)
    if not ends:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    for spot in _sample(ends, rng, hot, 4):
        at = text.find("\n", spot)
        if at < 0:
            continue
        text = text[: at + 1] + newline * rng.randint(1, 3) + text[at + 1 :]
    return text + newline * rng.randint(0, 2)


def tabs(text: str, rng: random.Random, hot: set[int]) -> str | None:
    """Indentation by tabs: each 4 spaces at the start of a statement line become a tab."""
    tokens = _tokens(text)
    if tokens is None:
        return None
    lines = text.splitlines(keepends=True)
    statement_lines = {t.start[0] for t in tokens if _is_statement_start(tokens, t) and t.type not in (
        tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.ENDMARKER, tokenize.ENCODING)}
    comment_lines = {t.start[0] for t in tokens if t.type == tokenize.COMMENT and t.start[1] == _indent(lines[t.start[0] - 1])}
    changed = False
    for number in statement_lines | comment_lines:
        line = lines[number - 1]
        width = _indent(line)
        if width == 0:
            continue
        if "\t" in line[:width] or width % 4:
            return None
        lines[number - 1] = "\t" * (width // 4) + line[width:]
        changed = True
    return "".join(lines) if changed else None


def bom(text: str, rng: random.Random, hot: set[int]) -> str | None:
    return None if text.startswith("\ufeff") or "coding" in "".join(text.splitlines()[:2]) else "\ufeff" + text


def _indented(text: str, by: str) -> str:
    return "".join(by + line if line.strip() else line for line in text.splitlines(keepends=True))


def _wrappable(text: str) -> bool:
    tokens = _tokens(text)
    # a string spanning lines would change (its lines are indented too): fine for parsing, but a
    # docstring's text is compared by some transforms; and __future__ imports must come first
    return tokens is not None and "__future__" not in text and not any(
        t.type == tokenize.STRING and t.start[0] != t.end[0] for t in tokens
    )


def wrap_in_class(text: str, rng: random.Random, hot: set[int]) -> str | None:
    if not _wrappable(text):
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    return f"class FuzzWrapper:{newline}{_indented(text, '    ')}{newline}    pass{newline}"


def wrap_in_block(text: str, rng: random.Random, hot: set[int]) -> str | None:
    if not _wrappable(text):
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    return f"if True:  # fuzz-block{newline}{_indented(text, '    ')}{newline}    pass{newline}"


def deep_nesting(text: str, rng: random.Random, hot: set[int]) -> str | None:
    if not _wrappable(text):
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    depth = rng.randint(8, 40)
    head = "".join(f"{'    ' * level}if True:{newline}" for level in range(depth))
    return f"{head}{_indented(text, '    ' * depth)}{newline}{'    ' * depth}pass{newline}"


MUTATIONS: dict[str, Mutation] = {
    "comment-in-brackets": comment_in_brackets,
    "comment-at-line-end": comment_at_line_end,
    "comment-line-above": comment_line_above,
    "crlf": crlf,
    "trailing-whitespace": trailing_whitespace,
    "blank-lines": blank_lines,
    "tabs": tabs,
    "bom": bom,
    "wrap-in-class": wrap_in_class,
    "wrap-in-block": wrap_in_block,
    "deep-nesting": deep_nesting,
}
WHOLE_PROJECT = ("crlf", "bom")  # applied to every file of a case; the others to one file


# -- running ---------------------------------------------------------------------------------


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _read(path: Path) -> str:
    return decode_source(path.read_bytes())[0]


def _write(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if data.startswith(b"\xef\xbb\xbf") or text.startswith("\ufeff"):
        data = b"\xef\xbb\xbf" + text.lstrip("\ufeff").encode("utf-8")
    path.write_bytes(data)


def _copy_input(case: Path, work: Path) -> None:
    if (case / "input").is_dir():
        shutil.copytree(case / "input", work, dirs_exist_ok=True)
    else:
        shutil.copy2(case / "input.py", work / "input.py")


_HOT: dict[Path, dict[str, set[int]]] = {}


def hot_lines(case: Path) -> dict[str, set[int]]:
    """Per input file, the lines (1-based) the case's transform rewrites in the unmutated input."""
    if case not in _HOT:
        with tempfile.TemporaryDirectory(prefix="fixit-fuzz-") as temporary:
            work = Path(temporary) / "project"
            work.mkdir()
            _copy_input(case, work)
            run = Engine([transform_for_case(case)(case_options(case))], jobs=1).run([work])
            _HOT[case] = {}
            for relpath, change in run.changes().items():
                if change.before is None:
                    continue
                before = decode_source(change.before)[0].splitlines()
                after = decode_source(change.after)[0].splitlines()
                matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
                _HOT[case][relpath] = {
                    line + 1 for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal" for line in range(i1, i2)
                }
    return _HOT[case]


def mutate(work: Path, name: str, rng: random.Random, hot: dict[str, set[int]]) -> bool:
    """Apply mutation `name` to the project in `work`; False when it applies to no file. Files the
    transform rewrites come first."""
    files = [p for p in _python_files(work) if p.read_bytes().strip()]
    if name not in WHOLE_PROJECT:
        rng.shuffle(files)
        files.sort(key=lambda p: p.relative_to(work).as_posix() not in hot)
    applied = False
    for path in files:
        original = _read(path)
        mutated = MUTATIONS[name](original, rng, hot.get(path.relative_to(work).as_posix(), set()))
        if mutated is None or mutated == original:
            continue
        try:
            check_parses(mutated.lstrip("\ufeff"), path.name)
        except SourceError:
            continue  # the mutation made code this mutation cannot make valid here: try another file
        _write(path, mutated)
        applied = True
        if name not in WHOLE_PROJECT:
            break
    return applied


def run_variant(variant: Variant) -> list[str] | None:
    """The problems of one variant (empty: it holds); None when the mutation applies to no file."""
    rng = random.Random(variant.seed)
    factory = transform_for_case(variant.case)
    options = case_options(variant.case)
    with tempfile.TemporaryDirectory(prefix="fixit-fuzz-") as temporary:
        work = Path(temporary) / "project"
        work.mkdir()
        _copy_input(variant.case, work)
        if not mutate(work, variant.mutation, rng, hot_lines(variant.case)):
            return None
        before = {p.relative_to(work).as_posix(): _read(p) for p in _python_files(work)}
        first = Engine([factory(options)], jobs=1).run([work])
        problems = [f"failure: {f.relpath}: {f.message}" for f in first.all_failures]
        changes = first.changes()
        for relpath, change in changes.items():
            if not relpath.endswith(".py"):
                continue
            text = decode_source(change.after)[0]
            try:
                check_parses(text, relpath)
            except SourceError as error:
                problems.append(f"output does not parse: {relpath}: {error}")
        if problems:
            return problems
        write_changes(changes.values())
        for relpath, text in before.items():
            after = _read(work / relpath)
            lost = comments(text) - comments(after) - removed_on_purpose(text, after)
            if lost:
                problems.append(f"comments lost in {relpath}: {sorted(lost.elements())}")
        second = Engine([factory(options)], jobs=1).run([work])
        if second.changes():
            problems.append(f"second run changed {sorted(second.changes())}")
        problems += [f"second run failure: {f.relpath}: {f.message}" for f in second.all_failures]
        return problems


def variants(iterations: int, seed: int) -> list[Variant]:
    """`iterations` variants, the same for the same seed: cases and mutations in turn, shuffled."""
    rng = random.Random(seed)
    cases = case_dirs(GOLDEN)
    names = list(MUTATIONS)
    return [Variant(rng.choice(cases), names[index % len(names)], rng.randrange(2**32)) for index in range(iterations)]


def main(argv: list[str]) -> int:
    iterations = int(argv[0]) if argv else 200
    seed = int(argv[1]) if len(argv) > 1 else 0
    failed = 0
    for variant in variants(iterations, seed):
        problems = run_variant(variant)
        if problems is None:
            print(f"{variant}: does not apply", flush=True)
        elif problems:
            failed += 1
            print(f"{variant}:\n  " + "\n  ".join(problems), flush=True)
    print(f"{iterations} variants, {failed} with problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main(sys.argv[1:]))
