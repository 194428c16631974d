"""LibCST helpers shared by transforms: imports added and removed the way LibCST's codemod
visitors do it (existing style kept, nothing removed that is still used); expressions moved out of
the brackets they were written in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import libcst as cst


@dataclass(frozen=True)
class ImportSpec:
    """`import module` (obj None) or `from <relative dots>module import obj [as asname]`."""

    module: str
    obj: str | None = None
    asname: str | None = None
    relative: int = 0


def _import_visitors(full_module_name: str, full_package_name: str = "") -> tuple[Any, Any, Any]:
    """A codemod context and LibCST's import visitors. Imported here, not at the top: libcst.codemod
    pulls in libcst.matchers (~0.2 s), which runs that rewrite nothing should not pay for."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    context = CodemodContext(
        full_module_name=full_module_name or None, full_package_name=full_package_name or None
    )
    return context, AddImportsVisitor, RemoveImportsVisitor


def add_imports(module: cst.Module, imports: Iterable[ImportSpec], full_module_name: str = "") -> cst.Module:
    """Add the imports not already present, after the module's existing imports."""
    return update_imports_in_package(module, imports, (), full_module_name, "")


def remove_unused_imports(
    module: cst.Module, imports: Iterable[ImportSpec], full_module_name: str = ""
) -> cst.Module:
    """Remove the named imports, each only if nothing in the module uses it any more."""
    return update_imports_in_package(module, (), imports, full_module_name, "")


def dotted(node: cst.BaseExpression) -> str | None:
    """'a.b.c' for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def update_imports_in_package(
    module: cst.Module,
    add: Iterable[ImportSpec],
    remove_if_unused: Iterable[ImportSpec],
    full_module_name: str,
    full_package_name: str,
) -> cst.Module:
    """Add imports, then remove those left unused, in a context that knows the module's package, so
    that relative imports (`from ..database import x`) are matched: an added name joins an existing
    relative import of the same module, and an unused relative import can be removed. Specs name
    modules absolutely."""
    context, adder, remover = _import_visitors(full_module_name, full_package_name)
    add, remove_if_unused = list(add), list(remove_if_unused)
    for spec in add:
        adder.add_needed_import(context, spec.module, spec.obj, spec.asname, spec.relative)
    if add:
        module = adder(context).transform_module(module)
    for spec in remove_if_unused:
        remover.remove_unused_import(context, spec.module, spec.obj, spec.asname)
    return remover(context).transform_module(module) if remove_if_unused else module


def standalone(expression: cst.BaseExpression) -> cst.BaseExpression:
    """`expression`, in parentheses when it cannot stand outside the brackets it came from: a
    comment or line break between its parts (`factory  # why⏎ ()`) is valid only inside brackets."""
    try:
        cst.parse_expression(cst.Module([]).code_for_node(expression))
    except cst.ParserSyntaxError:
        return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expression


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Comment] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node)


def comments_within(node: cst.CSTNode) -> list[cst.Comment]:
    """The comments inside a node (an expression written over several lines), in order."""
    finder = _Comments()
    node.visit(finder)
    return finder.found
