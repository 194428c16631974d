"""`SourceFile.code_of` gives what `module.code` gives, reusing the text of the statements an edit kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from conftest import golden_and_example_modules
from fixit_codemods.sources import SourceError, SourceFile

TEXTS = {
    "plain": "# head\n\nimport os\n\n\ndef f():\n    return 1  # one\n\n\nclass C:\n    x = 2\n# tail\n",
    "crlf and tabs": "import os\r\n\r\ndef f():\r\n\tif x:\r\n\t\treturn 1\r\n\r\n# tail\r\n",
    "no newline at the end": "import os\n\ndef f():\n    return 1",
    "only comments": "# nothing\n",
    "semicolons and a docstring": '"""doc"""\nx = 1; y = 2\nif x: pass\n',
    "comments between statements": (
        "# licence\n\n\nimport os  # why\n\n\n@deco\n# between decorators\n@other(1)\ndef f():\n    x = 1\n"
        "    # still in f\n\n        # deeper\n# before C\n\nclass C:\n    pass\n\n\n# the end\n"
    ),
}


def source_of(text: str) -> SourceFile:
    return SourceFile(Path("/p/m.py"), "m.py", "m", False, text.encode())


class Renamer(cst.CSTTransformer):
    """Renames `f` to `g` outside classes: a class is not visited inside, so LibCST keeps its node."""

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value="g") if updated_node.value == "f" else updated_node


def edits(module: cst.Module) -> list[cst.Module]:
    first = cst.parse_statement("import sys\n")
    return [
        module,
        module.visit(Renamer()),
        module.with_changes(body=[first, *module.body]),
        module.with_changes(body=[*module.body[:1], *module.body[2:]]),
        module.with_changes(body=[*module.body, first]),
        module.with_changes(header=[cst.EmptyLine(comment=cst.Comment("# new head"))], footer=()),
        module.with_changes(has_trailing_newline=not module.has_trailing_newline),
        module.with_changes(default_indent="  "),
        module.with_changes(body=()),
    ]


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_code_of_any_edit_is_the_module_code(name: str) -> None:
    source = source_of(TEXTS[name])
    assert source.code_of(source.cst) == TEXTS[name]
    for edited in edits(source.cst):
        assert source.code_of(edited) == edited.code


def test_kept_statements_are_not_generated_again() -> None:
    source = source_of(TEXTS["plain"])
    module = source.cst
    kept = module.body[1]  # `def f` is renamed; the class is kept

    generated: list[cst.CSTNode] = []
    original = cst.ClassDef._codegen_impl

    def recording(self: cst.ClassDef, state: object) -> None:
        generated.append(self)
        original(self, state)  # type: ignore[arg-type]

    edited = module.visit(Renamer())
    assert edited.body[2] is module.body[2] and edited.body[1] is not kept
    cst.ClassDef._codegen_impl = recording  # type: ignore[method-assign]
    try:
        assert source.code_of(edited) == TEXTS["plain"].replace("def f", "def g")
    finally:
        cst.ClassDef._codegen_impl = original  # type: ignore[method-assign]
    assert generated == []


class Unfaithful:
    """Makes LibCST generate one kind of statement differently from the text it read (as a LibCST
    bug would): the class statements of a module no longer round-trip."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = cst.ClassDef._codegen_impl

        def altered(node: cst.ClassDef, state: Any) -> None:
            original(node, state)
            state.add_token("# added by a bug" + state.default_newline)

        monkeypatch.setattr(cst.ClassDef, "_codegen_impl", altered)


def test_an_edit_beside_a_statement_libcst_does_not_give_back_keeps_that_statements_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = source_of(TEXTS["plain"])
    Unfaithful(monkeypatch)
    edited = source.cst.visit(Renamer())  # the class is kept: its text is the file's
    assert source.code_of(edited) == TEXTS["plain"].replace("def f", "def g")


def test_an_edit_of_a_statement_libcst_does_not_give_back_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    source = source_of(TEXTS["plain"])
    Unfaithful(monkeypatch)
    module = source.cst
    without_class = module.with_changes(body=[n for n in module.body if not isinstance(n, cst.ClassDef)])
    with pytest.raises(SourceError, match="byte for byte"):
        source.code_of(without_class)
    with pytest.raises(SourceError, match="byte for byte"):
        source.lines.positions  # noqa: B018  # every position after the class would be wrong


def test_pieces_follow_libcst_where_comments_belong() -> None:
    """A comment indented under a block ends that block (LibCST: the block's footer); one at the
    left margin starts the next statement: the pieces are cut where LibCST cuts them."""
    source = source_of(TEXTS["comments between statements"])
    pieces = source.lines.top_level_pieces()
    assert pieces is not None
    texts = [source.text[start:end] for _, start, end in pieces.statements.values()]
    assert texts == [source.cst.code_for_node(node) for node in source.cst.body]


def test_module_code_is_libcsts_on_goldens_and_example() -> None:
    from fixit_codemods.codegen import code_of_nodes, module_code

    checked = 0
    for module in golden_and_example_modules():
        assert module_code(module) == module.code
        by_libcst = "".join(module.code_for_node(node) for node in module.body)
        assert code_of_nodes(module, module.body) == by_libcst
        checked += 1
    for text in TEXTS.values():
        module = cst.parse_module(text)
        assert module_code(module) == module.code == text
    assert checked > 500


def test_trees_parsed_without_validation_are_the_parsers_and_validation_comes_back() -> None:
    from fixit_codemods.codegen import parser_output_unvalidated

    root = Path(__file__).resolve().parent.parent
    for path in sorted((root / "golden").rglob("*.py"))[:200] + sorted((root / "examples").rglob("*.py")):
        text = path.read_text()
        with parser_output_unvalidated():
            quick = cst.parse_module(text)
        assert quick.deep_equals(cst.parse_module(text))
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")  # nodes built outside a parse are validated as ever


def test_parentheses_generated_by_an_object_are_libcsts_and_libcsts_own_comes_back() -> None:
    from fixit_codemods.codegen import generating, module_code
    from libcst._nodes.expression import _BaseParenthesizedNode

    original = _BaseParenthesizedNode.__dict__["_parenthesize"]
    text = "x = ((a) + (b, (c)))[(1)]\nf((yield), *(d), **(e))\nlambda: (g)\n"
    module = cst.parse_module(text)
    assert module_code(module) == module.code == text
    assert _BaseParenthesizedNode.__dict__["_parenthesize"] is original
    with pytest.raises(RuntimeError), generating():
        raise RuntimeError("stop")
    assert _BaseParenthesizedNode.__dict__["_parenthesize"] is original
