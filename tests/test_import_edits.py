"""Removing imports left unused: the fast paths in `cst_helpers` must decide exactly as LibCST's
RemoveImportsVisitor does (the reference), and must decide the common shapes without a scope
computation."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from fixit_codemods import cst_helpers
from fixit_codemods.cst_helpers import ImportSpec, remove_unused_imports
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

# Each case: a module, and the names whose imports (`from m import NAME`) the edit asks to remove.
CASES: dict[str, tuple[str, list[str]]] = {
    "read in a function": ("from m import A, B\n\ndef f():\n    return A\n", ["A", "B"]),
    "read at module level after": ("from m import A\n\nx = A()\n", ["A"]),
    "read at module level before": ("x = A\nfrom m import A\n", ["A"]),
    "read in a function before": ("def f():\n    return A\n\nfrom m import A\n", ["A"]),
    "only an attribute name": ("from m import A\n\nx = obj.A\n", ["A"]),
    "only a keyword name": ("from m import A\n\nf(A=1)\n", ["A"]),
    "a parameter shadows it": ("from m import A\n\ndef f(A):\n    return A\n", ["A"]),
    "a parameter shadows, read elsewhere": ("from m import A\n\ndef f(A):\n    return A\n\ny = A\n", ["A"]),
    "assigned later": ("from m import A\n\nA = 1\nprint(A)\n", ["A"]),
    "global": ("from m import A\n\ndef f():\n    global A\n    A = 2\n", ["A"]),
    "class attribute": ("from m import A\n\nclass C:\n    A = 1\n    x = A\n", ["A"]),
    "comprehension variable": ("from m import A\n\nxs = [A for A in range(3)]\n", ["A"]),
    "walrus": ("from m import A\n\nif (A := 3):\n    pass\n", ["A"]),
    "deleted": ("from m import A\n\ndel A\n", ["A"]),
    "with target": ("from m import A\n\nwith open('f') as A:\n    pass\n", ["A"]),
    "except name": ("from m import A\n\ntry:\n    pass\nexcept E as A:\n    pass\n", ["A"]),
    "match capture": ("from m import A\n\nmatch x:\n    case A:\n        pass\n", ["A"]),
    "match class": ("from m import A\n\nmatch x:\n    case A():\n        pass\n", ["A"]),
    "annotation": ("from m import A\n\ndef f(x: A) -> None:\n    pass\n", ["A"]),
    "decorator": ("from m import A\n\n@A\ndef f():\n    pass\n", ["A"]),
    "f-string": ("from m import A\n\nx = f'{A}'\n", ["A"]),
    "string annotation": ("from m import A\n\ndef f(x: 'A') -> None:\n    pass\n", ["A"]),
    "imported twice": ("from m import A\nfrom n import A\n\nx = A\n", ["A"]),
    "read between two imports": ("from m import A\nx = A\nfrom m import A\n", ["A"]),
    "nested import": ("from m import A\n\ndef f():\n    from n import A\n    return A\n", ["A"]),
    "dotted import beside": ("from m import A\nimport A.b\n\nx = A.b.c\n", ["A"]),
    "star import": ("from m import A\nfrom n import *\n\nx = A\n", ["A"]),
    "lambda parameter": ("from m import A\n\nf = lambda A: A\n", ["A"]),
    "for target": ("from m import A\n\nfor A in range(3):\n    pass\n", ["A"]),
    "type parameter": ("from m import A\n\nclass Box[A]:\n    item: A\n", ["A"]),
    "aliased": ("from m import X as A\n\ny = A\n", ["X"]),
    "__all__": ("from m import A\n\n__all__ = ['A']\n", ["A"]),
    "nonlocal": ("from m import A\n\ndef f():\n    A = 1\n    def g():\n        nonlocal A\n        return A\n", ["A"]),
}


def reference(module: cst.Module, specs: list[ImportSpec]) -> str:
    context = CodemodContext(full_module_name="pkg.mod", full_package_name="pkg")
    for spec in specs:
        RemoveImportsVisitor.remove_unused_import(context, spec.module, spec.obj, spec.asname)
    return RemoveImportsVisitor(context).transform_module(module).code


def specs_for(source: str, names: list[str]) -> list[ImportSpec]:
    module = cst.parse_module(source)
    specs = []
    for line in module.body:
        small = line.body[0] if isinstance(line, cst.SimpleStatementLine) else None
        if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                name = cst.ensure_type(alias.name, cst.Name).value
                if name in names:
                    asname = cst.ensure_type(alias.asname.name, cst.Name).value if alias.asname else None
                    specs.append(ImportSpec(cst.ensure_type(small.module, cst.Name).value, name, asname))
    return specs


@pytest.mark.parametrize("case", sorted(CASES))
def test_removal_matches_libcst(case: str) -> None:
    source, names = CASES[case]
    specs = specs_for(source, names)
    assert specs, "the case names an import to remove"
    expected = reference(cst.parse_module(source), specs)
    assert remove_unused_imports(cst.parse_module(source), specs, "pkg.mod").code == expected


def test_cases_cover_both_answers() -> None:
    """The cases above are not all one answer: some imports go, some stay."""
    kept = removed = 0
    for source, names in CASES.values():
        after = reference(cst.parse_module(source), specs_for(source, names))
        kept += after.startswith("from m import")
        removed += not after.startswith("from m import")
    assert kept >= 10 and removed >= 10


@pytest.mark.parametrize(
    "source",
    [
        "from m import A, B\n\ndef f(x: A) -> B:\n    return A(x)\n",
        "from m import A\nfrom n import C\n\nclass K(A):\n    c = C\n",
    ],
)
def test_common_shapes_need_no_scope(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports read after they are made, names bound nowhere else: decided without a scope."""

    def no_scope(*args: object) -> set[int]:
        raise AssertionError("a scope was computed")

    monkeypatch.setattr(cst_helpers, "_scope_unused", no_scope)
    specs = specs_for(source, ["A", "B", "C"])
    assert remove_unused_imports(cst.parse_module(source), specs, "pkg.mod").code == source


def test_a_shadowing_parameter_asks_the_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = cst_helpers._scope_unused

    def counted(*args: object) -> set[int]:
        calls.append(args)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(cst_helpers, "_scope_unused", counted)
    source = textwrap.dedent(
        """\
        from m import A

        def f(A):
            return A
        """
    )
    after = remove_unused_imports(cst.parse_module(source), specs_for(source, ["A"]), "pkg.mod").code
    assert calls and not after.startswith("from m import A")


# -- adding imports: `merge_directly` must make AddImportsVisitor's edit, or decline ---------------

ADD_CASES: dict[str, tuple[str, list[ImportSpec]]] = {
    "joins the import": ("from m import A\n\nx = A\n", [ImportSpec("m", "B")]),
    "two names, sorted first": ("from m import C\n", [ImportSpec("m", "B"), ImportSpec("m", "A")]),
    "after a docstring": ('"""Doc."""\nfrom m import A\n', [ImportSpec("m", "B")]),
    "after __strict__": ("__strict__ = True\nfrom m import A\n", [ImportSpec("m", "B")]),
    "relative import of the module": ("from .m import A\n", [ImportSpec("pkg.m", "B")]),
    "parent package relative": ("from ..m import A\n", [ImportSpec("m", "B")]),
    "first of two": ("from m import A\nfrom m import C\n", [ImportSpec("m", "B")]),
    "parenthesised": ("from m import (\n    A,  # a\n    C,\n)\n", [ImportSpec("m", "B")]),
    "already imported": ("from m import A, B\n", [ImportSpec("m", "B")]),
    "imported under an alias": ("from m import B as C\n", [ImportSpec("m", "B")]),
    "star": ("from m import *\n", [ImportSpec("m", "B")]),
    "below code": ("x = 1\nfrom m import A\n", [ImportSpec("m", "B")]),
    "no import of the module": ("from n import A\n", [ImportSpec("m", "B")]),
    "two modules": ("import os\nfrom m import A\nfrom n import C\n", [ImportSpec("m", "B"), ImportSpec("n", "D")]),
    "one joins, one is new": ("from m import A\n", [ImportSpec("m", "B"), ImportSpec("n", "D")]),
    "two statements on a line": ("from m import A; x = 1\nfrom m import C\n", [ImportSpec("m", "B")]),
    "later import has it": ("from m import A\nfrom m import B\n", [ImportSpec("m", "B")]),
}


def added_by_libcst(source: str, specs: list[ImportSpec]) -> str:
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext(full_module_name="pkg.mod", full_package_name="pkg")
    for spec in specs:
        AddImportsVisitor.add_needed_import(context, spec.module, spec.obj, spec.asname, spec.relative)
    return cst.parse_module(source).visit(AddImportsVisitor(context)).code


@pytest.mark.parametrize("case", sorted(ADD_CASES))
def test_adding_matches_libcst(case: str) -> None:
    source, specs = ADD_CASES[case]
    expected = added_by_libcst(source, specs)
    direct = cst_helpers.merge_directly(cst.parse_module(source), specs, "pkg")
    assert direct is None or direct.code == expected
    assert cst_helpers.update_imports_in_package(cst.parse_module(source), specs, (), "pkg.mod", "pkg").code == expected


def test_adding_decides_the_common_shapes_itself() -> None:
    decided = {
        case for case, (source, specs) in ADD_CASES.items()
        if cst_helpers.merge_directly(cst.parse_module(source), specs, "pkg") is not None
    }
    assert {"joins the import", "after a docstring", "relative import of the module", "parenthesised"} <= decided
    assert not decided & {"already imported", "star", "below code", "no import of the module", "one joins, one is new"}
