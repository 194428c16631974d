"""`SourceFile.code_of` gives what `module.code` gives, reusing the text of the statements an edit kept."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from fixit_codemods.sources import SourceError, SourceFile

TEXTS = {
    "plain": "# head\n\nimport os\n\n\ndef f():\n    return 1  # one\n\n\nclass C:\n    x = 2\n# tail\n",
    "crlf and tabs": "import os\r\n\r\ndef f():\r\n\tif x:\r\n\t\treturn 1\r\n\r\n# tail\r\n",
    "no newline at the end": "import os\n\ndef f():\n    return 1",
    "only comments": "# nothing\n",
    "semicolons and a docstring": '"""doc"""\nx = 1; y = 2\nif x: pass\n',
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


def test_the_round_trip_check_still_refuses_what_libcst_does_not_give_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from fixit_codemods import sources

    monkeypatch.setattr(sources, "_code_by_statement", lambda module: ("something else", None))
    with pytest.raises(SourceError, match="byte for byte"):
        source_of("x = 1\n").cst  # noqa: B018
