"""typed-exceptions reads only what can matter: files whose bytes show a named `except` of
ValueError whose message is read, then (stdlib ast) whose handler also compares something; LibCST
parses only those `try` statements. Raise sites come from files holding a tested phrase, and names
resolve through an index that reads a module only when a resolution reaches it. The byte checks
are necessary conditions: odd spellings of a handler or of a phrase are still found."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst
import pytest
from fixit_codemods.api import Action
from fixit_codemods.engine import Engine
from fixit_codemods.transforms import typed_exceptions
from fixit_codemods.transforms.typed_exceptions import PhraseFilter, TypedExceptions

SERVICES = """
    ITEMS: dict[str, int] = {}


    def add_item(name: str, price: int) -> int:
        if name in ITEMS:
            raise ValueError(f"Item {name} already exists")
        ITEMS[name] = price
        return price
"""

# re-exports the service: the index must follow it, though no byte stage selects this module
CORE = """
    from shop.services import add_item

    __all__ = ["add_item"]
"""

API = """
    from shop.core import add_item


    def create(name: str) -> int:
        try:
            return add_item(name, 1)
        except ValueError as e:
            if "already exists" in str(e):
                return 409
            return 400
"""

# Library code of the kind that fooled the old version: named ValueError handlers holding an `if`,
# reading the message, but never testing it.
LIBRARY = textwrap.dedent('''
    """Retries: a ValueError from the parser is retried, then reported as a RuntimeError."""


    def parse_with_retries(parse, text, retries):
        while True:
            try:
                return parse(text)
            except ValueError as exc:
                if retries:
                    retries -= 1
                    continue
                raise RuntimeError(str(exc)) from exc
''') + "".join(f"\n\ndef helper_{n}(value: int = 0) -> int:\n    return value + {n}\n" for n in range(200))

# Catches ValueError without a name, and reads the message of other exceptions only.
UNNAMED = """
    def to_int(text):
        try:
            return int(text)
        except ValueError:
            return None
        except KeyError as e:
            if "missing" in str(e):
                return 0
"""


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """What was parsed: the files the stdlib parsed (`ast`, by name), and every text LibCST parsed
    (`cst`: whole files and single statements alike)."""
    seen: dict[str, set[str]] = {"ast": set(), "cst": set()}
    ast_parse, cst_parse = ast.parse, libcst.parse_module

    def ast_counting(source, filename="<unknown>", *args, **kwargs):  # type: ignore[no-untyped-def]
        seen["ast"].add(str(filename))
        return ast_parse(source, filename, *args, **kwargs)

    def cst_counting(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen["cst"].add(source)
        return cst_parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", ast_counting)
    monkeypatch.setattr(libcst, "parse_module", cst_counting)
    return seen


def write_project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("")
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(textwrap.dedent(text).lstrip().encode())
    return root


def run(root: Path) -> list[tuple[str, int, Action]]:
    result = Engine([TypedExceptions()], jobs=1).run([root])
    assert result.all_failures == []
    return sorted((site.path, site.line, site.action) for site in result.sites)


def test_only_files_that_can_matter_are_read(tmp_path: Path, parsed: dict[str, set[str]]) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/services.py": SERVICES,
        "shop/core.py": CORE,
        "shop/api.py": API,
        "shop/library.py": LIBRARY,
        "shop/unnamed.py": UNNAMED,
        "shop/legacy.py": 'print "Python 2, and nothing for this transform"\n',
        "shop/plain.py": "def add(a, b):\n    return a + b\n",
    }
    root = write_project(tmp_path, files)
    assert run(root) == [
        ("shop/api.py", 7, Action.CHANGED),
        ("shop/services.py", 6, Action.CHANGED),
    ]
    # the library's handlers read the message but compare nothing: ast only, never LibCST
    assert "shop/library.py" in parsed["ast"]
    assert not any("parse_with_retries" in text for text in parsed["cst"])
    # the plan parsed the one `try` on its own; only the two files it rewrites were parsed whole
    whole = {relpath for relpath, text in files.items() if textwrap.dedent(text).lstrip() in parsed["cst"]}
    assert whole == {"shop/api.py", "shop/services.py"}
    # the re-export is read by the index; the rest is never parsed at all
    assert "shop/core.py" in parsed["ast"]
    assert not {"shop/unnamed.py", "shop/legacy.py", "shop/plain.py"} & parsed["ast"]


@pytest.mark.parametrize(
    ("handler", "line", "action"),
    [
        pytest.param(
            'except (\n    TypeError,\n    ValueError,\n) as e:\n    if "x" in str(e):\n        pass\n',
            7,
            Action.REVIEW,
            id="tuple-header-over-lines",
        ),
        pytest.param(
            'except ValueError \\\n        as e:\n    if "x" in str(e):\n        pass\n',
            7,
            Action.REVIEW,
            id="header-continued",
        ),
        pytest.param(
            'except ValueError as e:\n    text = str(  # the message\n        e\n    )\n    if text == "x":\n        pass\n',
            7,
            Action.REVIEW,
            id="commented-str-call",
        ),
        pytest.param(
            'except ValueError as e:\n    if (e\n            ).args[0] == "x":\n        pass\n',
            7,
            Action.REVIEW,
            id="parenthesised-args",
        ),
        pytest.param(
            'except ValueError as e:\n    assert "x" in str(e)\n',
            7,
            Action.REVIEW,
            id="test-outside-an-if",
        ),
    ],
)
def test_odd_spellings_of_a_handler_are_still_read(
    tmp_path: Path, handler: str, line: int, action: Action
) -> None:
    # the first clause makes the file hold a trigger whatever the handler's spelling
    source = "try:\n    setup()\nexcept ValueError:\n    pass\ntry:\n    run()\n" + handler
    root = write_project(tmp_path, {"jobs.py": source})
    assert [(site.line, site.action) for site in Engine([TypedExceptions()], jobs=1).run([root]).sites] == [
        (line, action)
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_tabs_and_line_endings_keep_the_handler_line(tmp_path: Path, newline: str) -> None:
    lines = ["def job():", "\ttry:", "\t\trun()", "\texcept ValueError as e:", '\t\tassert "x" in str(e)', ""]
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "jobs.py").write_bytes(newline.join(lines).encode())
    sites = Engine([TypedExceptions()], jobs=1).run([tmp_path]).sites
    assert [(site.line, site.column, site.action) for site in sites] == [(4, 1, Action.REVIEW)]


def test_a_try_that_does_not_parse_alone_is_read_from_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"shop/__init__.py": "", "shop/services.py": SERVICES, "shop/core.py": CORE, "shop/api.py": API}
    expected = run(write_project(tmp_path / "alone", files))
    monkeypatch.setattr(typed_exceptions, "parse_try", lambda source, lines, node: None)
    assert run(write_project(tmp_path / "whole", files)) == expected


@pytest.mark.parametrize(
    "text",
    [
        b'"Customer already exists"',
        b'("Customer already "\n    "exists")',
        b'"Customer ALREADY " + "EXISTS"',
        b'"Customer already\\x20exists"',
        b'f"Customer {{already}} exists"',
    ],
)
def test_a_phrase_split_or_escaped_in_the_source_selects_its_file(text: bytes) -> None:
    phrase_filter = PhraseFilter.for_test(typed_exceptions.MessageTest("already exists"))
    assert phrase_filter.selects(b"MESSAGE = " + text.lower())
    assert not phrase_filter.selects(b'MESSAGE = "already gone; exists elsewhere"')


SPLIT_CONSTANT = 'DUPLICATE = (\n    "Customer already "\n    "exists"\n)\n'
# the constant reaches a ValueError whose message the model cannot read, raised in the try block
DYNAMIC_RAISE = SPLIT_CONSTANT + 'MESSAGES = {"dup": DUPLICATE}\n\n\ndef check(key):\n    raise ValueError(MESSAGES[key])\n'


@pytest.mark.parametrize(
    "carrier, calls_it, expected",
    [
        (None, False, Action.CHANGED),
        (SPLIT_CONSTANT, False, Action.CHANGED),  # no raise the try block reaches can carry it
        # typed first, and the string test kept for the message the model cannot read
        (DYNAMIC_RAISE, True, Action.CHANGED),
    ],
)
def test_a_split_phrase_elsewhere_keeps_the_string_test(
    tmp_path: Path, carrier: str | None, calls_it: bool, expected: Action
) -> None:
    api = API.replace("            return add_item(name, 1)", "            check(name)\n            return add_item(name, 1)")
    api = api.replace("from shop.core import add_item", "from shop.core import add_item\n    from shop.messages import check")
    files = {"shop/__init__.py": "", "shop/services.py": SERVICES, "shop/core.py": CORE}
    files["shop/api.py"] = api if calls_it else API
    if carrier is not None:
        files["shop/messages.py"] = carrier
    result = Engine([TypedExceptions()], jobs=1).run([write_project(tmp_path, files)])
    line = 9 if calls_it else 7
    assert ("shop/api.py", line, expected) in [(s.path, s.line, s.action) for s in result.sites]
    api_text = result.changes()["shop/api.py"].after.decode()
    assert "except ResourceExistsError:" in api_text
    assert ('"already exists" in str(e)' in api_text) is calls_it

def test_a_handler_reaching_a_module_that_does_not_parse_is_left_alone(tmp_path: Path) -> None:
    # before the model, the handler was rewritten anyway: a 409 from the unreadable module
    # (raised as a plain ValueError) would have fallen through to the 400 branch
    files = {
        "shop/__init__.py": "",
        "shop/services.py": (
            "from shop.legacy import audit\n\n\n"
            "def add_item(name: str) -> int:\n"
            "    audit(name)\n"
            '    raise ValueError(f"Item {name} already exists")\n'
        ),
        "shop/legacy.py": 'def audit(name:\n    raise ValueError("Customer already exists")\n',
        "shop/api.py": API.replace("from shop.core import add_item", "from shop.services import add_item"),
    }
    result = Engine([TypedExceptions()], jobs=1).run([write_project(tmp_path, files)])
    assert [failure.relpath for failure in result.all_failures] == ["shop/legacy.py"]
    assert not result.changes()
    [site] = result.sites
    assert (site.path, site.line, site.action) == ("shop/api.py", 7, Action.REVIEW)
    assert "shop.legacy.audit" in site.message and "cannot be read" in site.message


def test_raises_the_try_block_cannot_reach_do_not_block_a_phrase(tmp_path: Path) -> None:
    # `reports.py` holds the phrase in a table and raises it with a message no tool can read, but
    # the try block never reaches that raise: the model's raise summary says so, and the handler
    # is converted (before the model, any such string in the project kept the string test)
    files = {
        "shop/__init__.py": "",
        "shop/services.py": SERVICES,
        "shop/core.py": CORE,
        "shop/api.py": API,
        "shop/reports.py": (
            'MESSAGES = {"dup": "Report already exists"}\n\n\n'
            "def export(key):\n"
            "    raise ValueError(MESSAGES[key])\n"
        ),
    }
    sites = run(write_project(tmp_path, files))
    assert ("shop/api.py", 7, Action.CHANGED) in sites


def test_a_raise_is_not_made_to_import_from_another_top_level_package(tmp_path: Path) -> None:
    # the only handler testing the phrase is example code: converting the raise in `app` would
    # make production code import the typed class from `examples`
    files = {
        "app/__init__.py": "",
        "app/ids.py": (
            "def resolve(prefix: str) -> str:\n"
            '    raise ValueError(f"Ambiguous ID {prefix!r}")\n'
        ),
        "examples/__init__.py": "",
        "examples/demo.py": (
            "from app.ids import resolve\n\n\n"
            "def lookup(prefix: str) -> str | None:\n"
            "    try:\n"
            "        return resolve(prefix)\n"
            "    except ValueError as e:\n"
            '        if "Ambiguous" in str(e):\n'
            '            return "several"\n'
            "        return None\n"
        ),
    }
    result = Engine([TypedExceptions()], jobs=1).run([write_project(tmp_path, files)])
    assert not result.changes()
    [site] = result.sites
    assert (site.path, site.action) == ("examples/demo.py", Action.REVIEW)
    assert "would have to import AmbiguousError from examples.exceptions" in site.message
