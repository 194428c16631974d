"""LibCST helpers shared by transforms: imports added and removed the way LibCST's codemod
visitors do it (existing style kept, nothing removed that is still used); expressions moved out of
the brackets they were written in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import libcst as cst
from fixit_codemods.codegen import code_for_node
from fixit_codemods.walk import walk


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


class StatementTransformer(cst.CSTTransformer):
    """A transformer whose hooks act on statements and their parts (clauses, blocks) only. No
    expression holds a statement, so expressions are neither visited inside nor rebuilt (LibCST
    rebuilds every node it visits, most of them expressions): each comes back as the same node."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not is_expression(type(node)) and super().on_visit(node)


_EXPRESSION_TYPES: dict[type, bool] = {}


def is_expression(kind: type) -> bool:
    """`issubclass(kind, cst.BaseExpression)`, remembered (ABCMeta's check is a Python-level call)."""
    found = _EXPRESSION_TYPES.get(kind)
    if found is None:
        found = _EXPRESSION_TYPES[kind] = issubclass(kind, cst.BaseExpression)
    return found


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
    add, remove_if_unused = list(add), list(remove_if_unused)
    merged = merge_directly(module, add, full_package_name) if add else None
    if merged is not None:
        module = merged
    elif add:
        context, adder, _ = _import_visitors(full_module_name, full_package_name)
        for spec in add:
            adder.add_needed_import(context, spec.module, spec.obj, spec.asname, spec.relative)
        # visited directly: `transform_module` would first deep-copy the module for a metadata
        # wrapper, and AddImportsVisitor reads no metadata
        module = module.visit(adder(context))
    if not remove_if_unused:
        return module
    removed = remove_unused_directly(module, remove_if_unused, full_package_name)
    if removed is not None:
        return removed
    context, _, remover = _import_visitors(full_module_name, full_package_name)
    for spec in remove_if_unused:
        remover.remove_unused_import(context, spec.module, spec.obj, spec.asname)
    return remover(context).transform_module(module)


# -- removing unused imports without LibCST's visitors --------------------------------------------
#
# LibCST's RemoveImportsVisitor deep-copies the module, computes its scopes and runs three more
# visitors whose set-up inspects every method of their class (16% of the CPU where every file has
# work). `remove_unused_directly` makes the same decisions and the same edits for the common shape
# (top-level import lines, no `__all__`, no string that may be an annotation naming the import) from
# one scope computation, and declines (None) anything else, which then goes to LibCST.


# Nodes that bind names outside imports -> the field holding them (None: the node itself, `global a, b`).
# `as` binds in `with` and `except` (the visitor skips it inside imports).
_BINDERS: dict[type[cst.CSTNode], str | None] = {
    cst.AssignTarget: "target",
    cst.AnnAssign: "target",
    cst.AugAssign: "target",
    cst.For: "target",
    cst.CompFor: "target",
    cst.NamedExpr: "target",
    cst.Del: "target",
    cst.AsName: "name",
    cst.FunctionDef: "name",
    cst.ClassDef: "name",
    cst.Param: "name",
    cst.Global: None,
    cst.Nonlocal: None,
    cst.MatchAs: "name",
    cst.MatchStar: "name",
    cst.MatchMapping: "rest",
    cst.TypeVar: "name",
    cst.ParamSpec: "name",
    cst.TypeVarTuple: "name",
    cst.TypeAlias: "name",
}


class _ImportsAndStrings(cst.CSTVisitor):
    """Every import statement, every string's text, whether `__all__` is named, every name written
    outside the import statements (a superset of what can reference an import), and, to tell a use
    without a scope computation, the names read as variables (with the last place each is read, in
    visiting order) and the names bound anywhere outside imports."""

    def __init__(self) -> None:
        super().__init__()
        self.imports: list[cst.Import | cst.ImportFrom] = []
        self.import_order: dict[int, int] = {}  # id(import statement) -> its place in visiting order
        self.strings: list[str] = []
        self.names: set[str] = set()
        self.last_read: dict[str, int] = {}  # name read as a variable -> the last place it is read
        self.bound: set[str] = set()  # every name inside a binding target outside imports (a superset)
        self.names_all = False
        self._in_import = False
        self._not_read: set[int] = set()  # ids of Name nodes that are not variable reads
        self._order = 0

    def _binds(self, *targets: cst.CSTNode | None) -> None:
        """Names inside binding targets: bound (`x.y = 1` counts x too: cautious), never reads."""
        stack = [t for t in targets if t is not None]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                self.bound.add(node.value)
                self._not_read.add(id(node))
            stack.extend(node.children)

    def visit_Import(self, node: cst.Import) -> None:
        self._visit_import(node)

    def leave_Import(self, original_node: cst.Import) -> None:
        self._in_import = False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._visit_import(node)

    def leave_ImportFrom(self, original_node: cst.ImportFrom) -> None:
        self._in_import = False

    def _visit_import(self, node: cst.Import | cst.ImportFrom) -> None:
        self.imports.append(node)
        self._order += 1
        self.import_order[id(node)] = self._order
        self._in_import = True

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node.value)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self.strings.append(node.value)

    # names that are not variables: an attribute, a keyword argument, a keyword pattern
    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_read.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_read.add(id(node.keyword))

    def visit_MatchKeywordElement(self, node: cst.MatchKeywordElement) -> None:
        self._not_read.add(id(node.key))

    def _visit_binder(self, node: cst.CSTNode) -> None:
        field = _BINDERS[type(node)]
        if not (self._in_import and isinstance(node, cst.AsName)):
            self._binds(node if field is None else getattr(node, field))

    def visit_Name(self, node: cst.Name) -> None:
        self.names_all = self.names_all or node.value == "__all__"
        if self._in_import:  # the names an import binds are not uses of it
            return
        self.names.add(node.value)
        if id(node) not in self._not_read:
            self._order += 1
            self.last_read[node.value] = self._order


# a `visit_<Binder>` for each node that binds names: hooks of the node classes, which `walk` looks up
# once per class (an `on_visit` of its own would be called, and dispatch, for every node)
for _binder in _BINDERS:
    setattr(_ImportsAndStrings, f"visit_{_binder.__name__}", _ImportsAndStrings._visit_binder)
del _binder


def _requested(node: cst.Import | cst.ImportFrom, specs: list[ImportSpec], package: str) -> list[cst.ImportAlias]:
    """The aliases of `node` that RemoveImportsVisitor would consider removing, as it matches them."""
    from libcst.helpers import get_absolute_module_from_package_for_import

    if isinstance(node, cst.Import):
        modules = {spec.module: spec.asname for spec in specs if spec.obj is None}
        return [
            alias for alias in node.names
            if alias.evaluated_name in modules and alias.evaluated_alias == modules[alias.evaluated_name]
        ]
    if isinstance(node.names, cst.ImportStar):
        return []
    module = get_absolute_module_from_package_for_import(package or None, node)
    objects = {(spec.obj, spec.asname) for spec in specs if spec.obj is not None and spec.module == module}
    return [alias for alias in node.names if (alias.evaluated_name, alias.evaluated_alias) in objects]


def _is_unused(alias: cst.ImportAlias, scope: Any) -> bool:
    """GatherUnusedImportsVisitor.is_in_use, negated, without exports and string annotations
    (the caller made sure there are none that could name the alias)."""
    from libcst.metadata import ImportAssignment
    from libcst.metadata.scope_provider import _gen_dotted_names

    bound = cst.ensure_type(alias.asname.name, cst.Name) if alias.asname is not None else alias.name
    for name, _ in _gen_dotted_names(bound):
        if any(isinstance(a, ImportAssignment) and len(a.references) > 0 for a in scope[name]):
            return False
    return True


def _merge_whitespace_after(
    kept: cst.BaseParenthesizableWhitespace, removed: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after a kept comma that takes over a removed alias's: line breaks only when
    both had them, and the removed one's comment lines kept (RemoveImportsVisitor's rule; its
    module is not imported for it: `libcst.codemod` costs ~0.2 s to import)."""
    if not isinstance(removed, cst.ParenthesizedWhitespace):
        return kept
    if not isinstance(kept, cst.ParenthesizedWhitespace):
        return removed
    return kept.with_changes(empty_lines=tuple(line for line in removed.empty_lines if line.comment is not None))


def _without(node: cst.Import | cst.ImportFrom, unused: list[cst.ImportAlias]) -> cst.CSTNode | None:
    """RemoveImportsVisitor's leave_Import / leave_ImportFrom: the node without `unused`, None
    when nothing is left; comments after a removed alias's comma pass to the alias before it."""
    names = node.names
    assert not isinstance(names, cst.ImportStar)
    keep: list[cst.ImportAlias] = []
    updates: dict[str, Any] = {}
    for alias in names:
        if not any(alias is gone for gone in unused):
            keep.append(alias)
            continue
        comma = alias.comma
        if isinstance(node, cst.ImportFrom) and isinstance(comma, cst.Comma):
            if keep:
                previous = keep[-1]
                if isinstance(previous.comma, cst.Comma):
                    previous = previous.with_deep_changes(
                        previous.comma,
                        whitespace_after=_merge_whitespace_after(
                            previous.comma.whitespace_after, comma.whitespace_after
                        ),
                    )
                else:
                    previous = previous.with_changes(comma=comma)
                keep[-1] = previous
            elif isinstance(node.lpar, cst.LeftParen):
                updates["lpar"] = node.lpar.with_changes(
                    whitespace_after=_merge_whitespace_after(node.lpar.whitespace_after, comma.whitespace_after)
                )
    if not keep:
        return None
    if keep[-1] is not names[-1]:
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=keep, **updates)


def unused_aliases(
    module: cst.Module,
    candidates: Sequence[tuple[cst.ImportAlias, cst.Import | cst.ImportFrom]],
    found: _ImportsAndStrings | None = None,
) -> set[int] | None:
    """Identities of the `candidates` (alias, its import statement) that LibCST's
    GatherUnusedImportsVisitor would report unused; None when a string that may be an annotation
    names one, or the module has `__all__` (then ask LibCST). At most one scope computation, no
    copy. `found`: the module's `_ImportsAndStrings`, when the caller has it already."""
    if not candidates:
        return set()
    if found is None:
        found = _ImportsAndStrings()
        walk(module, found)
    bound = {part for alias, _ in candidates for part in (_bound_dotted(alias) or "").split(".")}
    if found.names_all or any(part in text for text in found.strings for part in bound):
        return None
    roots = {id(alias): (_bound_dotted(alias) or "").split(".")[0] for alias, _ in candidates}
    if not any(root in found.names for root in roots.values()):
        # no name outside the imports could reference any of them: all unused, as the scope would
        # say, without computing it (the costly part where every file has work)
        return set(roots)
    used = _read_after(module, found, candidates, roots)
    if used is not None and all(id(alias) in used or roots[id(alias)] not in found.names for alias, _ in candidates):
        # each one is either read after its import or written nowhere: decided without the scope
        return {id(alias) for alias, _ in candidates if roots[id(alias)] not in found.names}
    return _scope_unused(module, candidates)


def _scope_unused(
    module: cst.Module, candidates: Sequence[tuple[cst.ImportAlias, cst.Import | cst.ImportFrom]]
) -> set[int]:
    from fixit_codemods.metadata import scopes as scopes_of

    scopes = scopes_of(module)
    return {
        id(alias)
        for alias, statement in candidates
        if (scope := scopes.get(statement)) is not None and _is_unused(alias, scope)
    }


def _read_after(
    module: cst.Module,
    found: _ImportsAndStrings,
    candidates: Sequence[tuple[cst.ImportAlias, cst.Import | cst.ImportFrom]],
    roots: dict[int, str],
) -> set[int] | None:
    """The candidates certainly in use, as LibCST's scope would say, without computing it: a
    top-level import whose name nothing outside imports binds (no assignment, parameter, `global`,
    nested or dotted import of it) and that is read as a variable after the import, in any scope.
    (A read in a nested scope resolves to the module's binding; one at module level only when it
    comes after the import.) `roots`: id(alias) -> the name it binds (its first part). None when
    the module's shape asks for the scope computation."""
    top_level = {id(line.body[0]) for line in module.body if isinstance(line, cst.SimpleStatementLine)}
    wanted = set(roots.values())
    for node in found.imports:
        if isinstance(node.names, cst.ImportStar):
            return None  # a star import may rebind anything
        for alias in node.names:
            dotted = _bound_dotted(alias) or ""
            if ("." in dotted or id(node) not in top_level) and dotted.split(".")[0] in wanted:
                return None  # `import a.b`, or an import inside a block, binding a candidate's name
    used: set[int] = set()
    for alias, statement in candidates:
        root = roots[id(alias)]
        if root in found.bound:
            continue
        if found.last_read.get(root, 0) > found.import_order.get(id(statement), 1 << 62):
            used.add(id(alias))
    return used


def _bound_dotted(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None:
        return cst.ensure_type(alias.asname.name, cst.Name).value
    from libcst.helpers import get_full_name_for_node

    return get_full_name_for_node(alias.name)


def remove_unused_directly(
    module: cst.Module, specs: list[ImportSpec], full_package_name: str
) -> cst.Module | None:
    """The module RemoveImportsVisitor would return, or None where this cannot be sure of it."""
    found = _ImportsAndStrings()
    walk(module, found)
    requested = {
        id(node): (node, aliases)
        for node in found.imports
        if (aliases := _requested(node, specs, full_package_name))
    }
    if not requested:
        return module  # nothing to remove: the visitor changes nothing either
    top_level = {
        id(line.body[0]) for line in module.body
        if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
    }
    if any(key not in top_level for key in requested) or any(
        isinstance(node, cst.ImportFrom) and (node.module is None or node.module.value == "__future__")
        for node, _ in requested.values()
    ):
        return None  # nested imports, or ones LibCST never reports unused: let it decide
    unused = unused_aliases(module, [(alias, node) for node, aliases in requested.values() for alias in aliases], found)
    if unused is None:
        return None
    body: list[cst.BaseStatement] = []
    for line in module.body:
        small = line.body[0] if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else None
        entry = requested.get(id(small)) if small is not None else None
        if entry is None:
            body.append(line)
            continue
        node, aliases = entry
        gone = [alias for alias in aliases if id(alias) in unused]
        kept = _without(node, gone) if gone else node
        if kept is not None:
            body.append(line.with_changes(body=[kept]) if kept is not node else line)
    return module.with_changes(body=body)


def standalone(expression: cst.BaseExpression) -> cst.BaseExpression:
    """`expression`, in parentheses when it cannot stand outside the brackets it came from: a
    comment or line break between its parts (`factory  # why⏎ ()`) is valid only inside brackets."""
    try:
        cst.parse_expression(code_for_node(expression))
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
    walk(node, finder)
    return finder.found


# -- adding imports without LibCST's visitor ------------------------------------------------------
#
# AddImportsVisitor gathers the module's imports with a matcher-driven visitor, then visits the
# whole module again to join a name to the existing `from <module> import ...`. `merge_directly`
# makes that same edit for the common case (every name joins an existing top import of its module)
# and declines (None) everything else, which then goes to LibCST.


def _skips_first_statement(module: cst.Module) -> bool:
    """AddImportsVisitor's `_skip_first`: a docstring or a `__strict__` flag heads the module."""
    if not module.body or not isinstance(module.body[0], cst.SimpleStatementLine):
        return False
    small = module.body[0].body
    if len(small) != 1:
        return False
    statement = small[0]
    if isinstance(statement, cst.Expr):
        return isinstance(statement.value, cst.SimpleString)
    return (
        isinstance(statement, cst.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
        and statement.targets[0].target.value == "__strict__"
    )


def merge_directly(module: cst.Module, specs: list[ImportSpec], full_package_name: str) -> cst.Module | None:
    """The module AddImportsVisitor would return when each of `specs` (`from m import name`, no
    alias) joins the first `from m import ...` among the imports heading the module; None for
    anything else (a new import line to place, an alias, a name already imported, a star)."""
    from libcst.helpers import get_absolute_module_from_package_for_import

    if not specs or any(spec.obj is None or spec.asname or spec.relative for spec in specs):
        return None
    wanted: dict[str, set[str]] = {}
    for spec in specs:
        wanted.setdefault(spec.module, set()).add(spec.obj)  # type: ignore[arg-type]
    first: dict[str, int] = {}  # module -> index in the body of the import line it joins
    start = 1 if _skips_first_statement(module) else 0
    for index in range(start, len(module.body)):
        line = module.body[index]
        if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1):
            break
        node = line.body[0]
        if isinstance(node, cst.Import):
            continue
        if not isinstance(node, cst.ImportFrom):
            break
        absolute = get_absolute_module_from_package_for_import(full_package_name or None, node)
        if absolute not in wanted:
            continue
        if isinstance(node.names, cst.ImportStar) or any(
            isinstance(alias.name, cst.Name) and alias.name.value in wanted[absolute] for alias in node.names
        ):
            return None  # already imported (LibCST would drop the name): let it decide
        first.setdefault(absolute, index)
    if set(first) != set(wanted):
        return None  # a module without an import to join: LibCST places a new line
    body = list(module.body)
    for name, index in first.items():
        line = cst.ensure_type(body[index], cst.SimpleStatementLine)
        node = cst.ensure_type(line.body[0], cst.ImportFrom)
        added = [cst.ImportAlias(name=cst.Name(obj)) for obj in sorted(wanted[name])]
        body[index] = line.with_changes(body=[node.with_changes(names=[*added, *node.names])])  # type: ignore[misc]
    return module.with_changes(body=body)
