"""The semantic model of one project: what a name, an expression, a call or a raise refers to.

Every transform asks this one model; none carries a resolver of its own. It is built from the
stdlib AST of each module (any syntax LibCST reads, see `modern_syntax`), lazily: a question reads
only the modules its answer passes through, and every answer is cached for the run.

The four questions:

- **names** — `resolve(module, name, line)`: the qualified name a (dotted) name refers to at a line,
  through module-level, function-local and conditional imports, aliases and re-exports (the name
  layer is `ProjectIndex`; `names_bound_to` is its reverse: every local spelling of a definition);
- **values** — `values(module, expression, line)`: what an expression may hold, as a set of `Value`s:
  constructor calls (project or third-party, with the keywords they were called with), every
  assignment in every branch (a union), parameters' annotations (`Optional`, `Union`, `Annotated`,
  string annotations), `self.x` set anywhere in the class or its project base classes, properties,
  factory functions (annotated return, else the union of their returns), module singletons, and
  wrappers with known semantics (`instructor.from_openai(AsyncOpenAI())`);
- **calls** — `callees(module, call, line)`: the project functions a call reaches, through the
  receiver's class (`crud = ProviderCRUD(s); crud.create()`), classmethods, `super()`, and a
  Protocol or ABC with a single project implementation; what it cannot follow is *unknown*;
- **raises** — `raises(function)`: what a project function may raise, transitively through the
  calls it reaches, with each raise's type and message shape, and an explicit *unknown* for every
  place the walk cannot see into (a module that failed to parse, a third-party call, a call on a
  value the model cannot type).

Why our own, on the stdlib AST: astroid and jedi answer the name and value questions but parse
only the running interpreter's grammar (astroid) or cost ~10-100x more per query (jedi), and
neither summarises raises; LibCST's `FullyQualifiedNameProvider` answers names only, per file. The
numbers are in the README ("Real code").
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Union

from fixit_codemods.ast_walk import child_nodes, walk_ast
from fixit_codemods.index import ProjectIndex, dotted_name, global_names, own_statements, top_level_statements
from fixit_codemods.sources import SourceError

if TYPE_CHECKING:
    from fixit_codemods.project import Project
    from fixit_codemods.sources import SourceFile

MAX_DEPTH = 12
# How the model says a project name leads into a file that does not parse (or cannot be found).
UNREADABLE = "cannot be read"

AnyFunction = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# Wrappers whose result behaves like (and carries the settings of) their first argument.
# `cast(T, value)` is `value` at run time: the wrapped argument is the second one
CASTS = frozenset({"typing.cast", "typing_extensions.cast"})
TRANSPARENT_WRAPPERS = CASTS | frozenset(
    {
        "instructor.from_openai",
        "instructor.from_anthropic",
        "instructor.from_litellm",
        "instructor.patch",
        "instructor.apatch",
        "langsmith.wrappers.wrap_openai",
    }
)
# The builtin type a literal builds, so that a call of one of its methods is recognised.
LITERAL_TYPES: dict[type, str] = {
    ast.Dict: "dict",
    ast.DictComp: "dict",
    ast.List: "list",
    ast.ListComp: "list",
    ast.Set: "set",
    ast.SetComp: "set",
    ast.JoinedStr: "str",
}
# Methods of builtin values that never raise a ValueError (at most KeyError, IndexError or
# TypeError on misuse): a raise summary does not list their calls as unknown. Left out on
# purpose: str.index/split/format/encode, list.index/remove, bytes.decode, dict.update.
QUIET_METHODS: dict[str, frozenset[str]] = {
    "str": frozenset(
        "lower upper casefold strip lstrip rstrip startswith endswith replace title capitalize "
        "isdigit isalpha isalnum isspace islower isupper isidentifier count find rfind join "
        "removeprefix removesuffix zfill ljust rjust center splitlines".split()
    ),
    "dict": frozenset("get keys values items copy setdefault pop popitem clear".split()),
    "list": frozenset("append extend insert copy pop clear reverse count sort".split()),
    "set": frozenset("add discard copy clear union intersection difference issubset issuperset pop".split()),
    "tuple": frozenset("count".split()),
}

TYPING_UNIONS = frozenset({"typing.Optional", "typing.Union", "Optional", "Union"})
TYPING_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated", "Annotated"})


@dataclass(frozen=True)
class Value:
    """One thing an expression may hold.

    kind: "instance" (of class `name`; `keywords` are the constructor's keyword names),
    "class", "function", "module", "external" (a third-party name or the result of calling one:
    `name` is its qualified name, `called` says which), "missing" (a name of the project that does
    not exist: a module or attribute it does not have, or a name nothing binds; `name` says which)
    or "unknown" (`name` says why).
    """

    kind: str
    name: str
    keywords: frozenset[str] = frozenset()
    called: bool = False
    none_keywords: frozenset[str] = frozenset()  # keywords passed a literal None (`timeout=None`)
    declared: bool = False  # only an annotation says so: the type, not how it was built
    where: str = ""  # relpath:line of the expression that produced it

    @property
    def is_unknown(self) -> bool:
        return self.kind in ("unknown", "missing")


@dataclass(frozen=True)
class RaiseSite:
    """`raise Type(message)` somewhere in the project."""

    exception: str  # qualified type, as the model resolves it
    message: tuple[str | None, ...] | None  # literal parts, None for an interpolated part; None: dynamic
    relpath: str
    line: int
    function: str  # the qualified function holding the raise
    wraps: bool = False  # the message holds the text of an error caught around it (`f"...: {e}"`)


@dataclass(frozen=True)
class Unseen:
    """Something a call may reach that the model cannot follow, and why."""

    reason: str
    external: bool = False  # third-party or builtin code (its own messages), not the project's


@dataclass(frozen=True)
class Unknown:
    """A place a raise summary cannot see into, and why."""

    reason: str
    relpath: str
    line: int
    external: bool = False  # as in `Unseen`


def is_unreadable(reason: str) -> bool:
    """Whether an unknown comes from project code that does not parse (not from an untyped value)."""
    return reason.endswith(UNREADABLE) or f"{UNREADABLE}`" in reason


@dataclass
class RaiseSummary:
    raises: list[RaiseSite] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)

    def extend(self, other: RaiseSummary) -> None:
        self.raises.extend(r for r in other.raises if r not in self.raises)
        self.unknown.extend(u for u in other.unknown if u not in self.unknown)


@dataclass
class ClassInfo:
    qualified: str
    module: str
    node: ast.ClassDef
    methods: dict[str, AnyFunction]
    # attribute -> expressions assigned to it (`self.x = v` in any method, `x = v` in the body) or
    # its annotation (`x: T`, `self.x: T = v`), each with the method it is in (None: class body)
    attributes: dict[str, list[tuple[ast.expr, AnyFunction | None, bool]]]


@dataclass(frozen=True)
class CallerSite:
    """One call in the project that may reach a given function."""

    module: str
    call: ast.Call
    function: AnyFunction | None  # the function the call is made in (None: module level)
    function_qualified: str


@dataclass
class ModuleInfo:
    source: SourceFile
    tree: ast.Module
    functions: list[tuple[AnyFunction, str]]  # every function, with its qualified name
    classes: dict[str, ClassInfo]  # by qualified name
    top_level: dict[str, list[ast.expr]]  # module variable -> values assigned at module level


class SemanticModel:
    """One model of one project, shared by every transform of a run."""

    def __init__(self, project: Project, index: ProjectIndex | None = None) -> None:
        self.project = project
        self.index = index if index is not None else project.index_on_demand()
        self._modules: dict[str, ModuleInfo | None] = {}
        self._raises: dict[str, RaiseSummary] = {}
        self._in_progress: set[str] = set()
        self._resolving: set[tuple[str, int, str]] = set()
        self._bound_anywhere: dict[str, frozenset[str] | None] = {}
        self._constructions: dict[str, tuple[list[RaiseSite], list[Unknown]]] = {}

    # -- names ------------------------------------------------------------------------------------

    def resolve(self, module: str, name: str, line: int | None = None) -> str:
        return self.index.resolve(module, name, line)

    def load(self, sources: Iterable[SourceFile]) -> None:
        """Bring these modules into the name layer now (reverse look-ups iterate what is loaded)."""
        for source in sources:
            self.index.modules.get(source.module)

    def names_bound_to(self, qualified: str) -> set[str]:
        """Every local name, at module level or inside a function, bound to `qualified` in the
        modules loaded so far."""
        names = set()
        for module, facts in list(self.index.modules.items()):
            scopes = [(facts.imports, facts.aliases, None)]
            scopes += [(scope.imports, scope.aliases, scope.first_line) for scope in facts.local_scopes]
            for imports, aliases, line in scopes:
                names.update(
                    local for local, target in imports.items() if self.index.canonical(target) == qualified
                )
                names.update(
                    local
                    for local, value in aliases.items()
                    if self.index.resolve(module, value, line) == qualified
                )
        return names

    # -- modules, functions, classes ---------------------------------------------------------------

    def module_info(self, module: str) -> ModuleInfo | None:
        if module not in self._modules:
            self._modules[module] = self._read_module(module)
        return self._modules[module]

    def _read_module(self, module: str) -> ModuleInfo | None:
        source = self.project.find_module(module)
        if source is None:
            return None
        try:
            tree = source.ast
        except SourceError:
            return None
        functions: list[tuple[AnyFunction, str]] = []
        classes: dict[str, ClassInfo] = {}
        top_level: dict[str, list[ast.expr]] = {}
        prefix = f"{module}." if module else ""
        _collect(tree.body, prefix, functions, classes, module)
        for statement in top_level_statements(tree.body):
            for target, value in _assignments(statement):
                if isinstance(target, ast.Name):
                    top_level.setdefault(target.id, []).append(value)
        for function, _ in functions:
            # `global _client` then `_client = AsyncOpenAI()`: a lazily built module singleton
            declared = global_names(function)
            for statement in own_statements(function.body) if declared else ():
                for target, value in _assignments(statement):
                    if isinstance(target, ast.Name) and target.id in declared:
                        top_level.setdefault(target.id, []).append(value)
        return ModuleInfo(source, tree, functions, classes, top_level)

    def module_of(self, qualified: str) -> tuple[str | None, str]:
        return self.index.split_module(self.index.canonical(qualified))

    def function(self, qualified: str) -> tuple[ModuleInfo, AnyFunction] | None:
        """The definition of a project function or method (`pkg.mod.f`, `pkg.mod.Class.m`)."""
        module, _ = self.module_of(qualified)
        info = self.module_info(module) if module is not None else None
        if info is None:
            return None
        canonical = self.index.canonical(qualified)
        found = [node for node, name in info.functions if name == canonical]
        return (info, found[-1]) if found else None

    def qualified_name(self, module: str, function: AnyFunction | None) -> str:
        """The qualified name of a function node of `module` ("" when it is not one of them)."""
        info = self.module_info(module)
        return next((q for f, q in info.functions if f is function), "") if info and function else ""

    def class_info(self, qualified: str) -> ClassInfo | None:
        module, _ = self.module_of(qualified)
        info = self.module_info(module) if module is not None else None
        return info.classes.get(self.index.canonical(qualified)) if info else None

    def bases(self, cls: ClassInfo) -> list[str]:
        """Qualified names of the class's bases, as written."""
        found = []
        for base in cls.node.bases:
            name = dotted_name(base.value if isinstance(base, ast.Subscript) else base)
            if name:
                found.append(self.resolve(cls.module, name, cls.node.lineno))
        return found

    def mro(self, qualified: str) -> list[ClassInfo]:
        """The class and its project base classes, depth first (enough for single inheritance)."""
        order: list[ClassInfo] = []
        pending = [qualified]
        while pending and len(order) < 32:
            cls = self.class_info(pending.pop(0))
            if cls is None or cls in order:
                continue
            order.append(cls)
            pending.extend(self.bases(cls))
        return order

    def external_bases(self, qualified: str) -> list[str]:
        """Bases of the class and its project bases that are not the project's (nor inert ones)."""
        found = []
        for cls in self.mro(qualified):
            for base in self.bases(cls):
                if self.class_info(base) is None and base not in INERT_BASES and base not in found:
                    found.append(base)
        return found

    def implementations(self, qualified: str) -> list[ClassInfo]:
        """Project classes that name `qualified` as a base (for a Protocol or ABC), in loaded modules."""
        found = []
        for module in list(self.index.modules):
            info = self.module_info(module)
            for cls in info.classes.values() if info else ():
                if qualified in self.bases(cls) and cls.qualified != qualified:
                    found.append(cls)
        return found

    def method(self, class_qualified: str, name: str) -> str | None:
        """The qualified name of `name` looked up on the class, through its project bases."""
        for cls in self.mro(class_qualified):
            if name in cls.methods:
                return f"{cls.qualified}.{name}"
        return None

    def enclosing(self, module: str, line: int) -> tuple[AnyFunction | None, ClassInfo | None]:
        """The innermost function around `line`, and the class it is a method of (if any)."""
        info = self.module_info(module)
        if info is None:
            return None, None
        best: AnyFunction | None = None
        for node, _ in info.functions:
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                if best is None or node.lineno >= best.lineno:
                    best = node
        if best is None:
            return None, None
        for cls in info.classes.values():
            if any(method is best for method in cls.methods.values()):
                return best, cls
        return best, None

    # -- values ------------------------------------------------------------------------------------

    def values(self, module: str, expression: ast.expr | str, line: int) -> frozenset[Value]:
        """What `expression`, evaluated at `line` of `module`, may hold (a union over branches)."""
        if isinstance(expression, str):
            try:
                expression = ast.parse(expression.strip(), mode="eval").body
            except SyntaxError:
                return frozenset({Value("unknown", f"cannot read `{expression}`")})
        return frozenset(self._values(module, expression, line, 0))

    def _values(self, module: str, node: ast.expr, line: int, depth: int) -> set[Value]:
        where = f"{self._relpath(module)}:{getattr(node, 'lineno', line)}"
        if depth > MAX_DEPTH:
            return {Value("unknown", "too deep", where=where)}
        if isinstance(node, ast.Await):
            return self._values(module, node.value, line, depth + 1)
        if isinstance(node, (ast.BoolOp,)):
            return set().union(*(self._values(module, v, line, depth + 1) for v in node.values))
        if isinstance(node, ast.IfExp):
            return self._values(module, node.body, line, depth + 1) | self._values(
                module, node.orelse, line, depth + 1
            )
        if isinstance(node, ast.Constant) and node.value is None:
            return {Value("instance", "None", where=where)}
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes, int, float)):
            return {Value("external", type(node.value).__name__, called=True, where=where)}
        if type(node) in LITERAL_TYPES:
            return {Value("external", LITERAL_TYPES[type(node)], called=True, where=where)}
        if isinstance(node, ast.Call):
            return self._values_of_call(module, node, line, depth)
        if isinstance(node, ast.Name):
            return self._values_of_name(module, node.id, line, depth)
        if isinstance(node, ast.Attribute):
            return self._values_of_attribute(module, node, line, depth)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            position = node.slice.value
            if isinstance(position, int) and not isinstance(position, bool):
                return self._element(module, node.value, position, line, depth)
        return {Value("unknown", f"{type(node).__name__} expression", where=where)}

    def _element(self, module: str, node: ast.expr, position: int, line: int, depth: int) -> set[Value]:
        """Element `position` of a tuple: a literal, or what a project function returns as one."""
        if isinstance(node, (ast.Tuple, ast.List)):
            if position < len(node.elts) and not isinstance(node.elts[position], ast.Starred):
                return self._values(module, node.elts[position], line, depth + 1)
            return {Value("unknown", "an element of a tuple the model cannot count")}
        if isinstance(node, ast.Call):
            found: set[Value] = set()
            for callee in self._values(module, node.func, line, depth + 1):
                target = self.function(callee.name) if callee.kind == "function" else None
                if target is None:
                    return {Value("unknown", "an element of what a call returns")}
                info, function = target
                returns = [
                    r.value for r in own_statements(function.body) if isinstance(r, ast.Return) and r.value
                ]
                if not returns:
                    return {Value("unknown", "an element of what a call returns")}
                for value in returns:
                    found |= self._element(info.source.module, value, position, value.lineno, depth + 1)
            return found
        return {Value("unknown", "an element of a value the model cannot read")}

    def _values_of_call(self, module: str, call: ast.Call, line: int, depth: int) -> set[Value]:
        where = f"{self._relpath(module)}:{call.lineno}"
        passed = [(k.arg, k.value) for k in call.keywords if k.arg]
        for spread in (k.value for k in call.keywords if k.arg is None):
            # `AsyncOpenAI(**kwargs)` with `kwargs = {"timeout": t, ...}` built in this function
            passed += self._dict_items(module, spread, call.lineno) or []
        keywords = frozenset(name for name, _ in passed)
        nones = frozenset(
            name for name, value in passed if isinstance(value, ast.Constant) and value.value is None
        )
        found: set[Value] = set()
        for callee in self._values(module, call.func, line, depth + 1):
            if callee.kind == "class":
                found.add(Value("instance", callee.name, keywords, none_keywords=nones, where=where))
            elif callee.kind == "function":
                found |= self._returns(callee.name, depth + 1)
            elif callee.kind == "external":
                wrapped = _wrapped_argument(call, callee.name) if callee.name in TRANSPARENT_WRAPPERS else None
                if wrapped is not None:
                    found |= self._values(module, wrapped, line, depth + 1)
                elif callee.called:
                    found.add(Value("unknown", f"the result of a call on `{callee.name}(...)`", where=where))
                else:
                    found.add(Value("external", callee.name, keywords, True, nones, where=where))
            else:
                found.add(Value("unknown", callee.name if callee.is_unknown else "not callable", where=where))
        return found

    def _dict_items(self, module: str, node: ast.expr, line: int) -> list[tuple[str, ast.expr]] | None:
        """The (key, value) pairs of a dict the code shows: a `{...}` display, or a local name the
        enclosing function binds only to displays and then sets by constant key (`d["k"] = v`,
        `d.setdefault("k", v)`, `d.update(k=v)`). None when any of it cannot be read (a merged
        dict, a computed key, a key removed, the name passed elsewhere to be filled)."""
        if isinstance(node, ast.Dict):
            return _display_items(node)
        function = self.enclosing(module, line)[0] if isinstance(node, ast.Name) else None
        if function is None or not isinstance(node, ast.Name):
            return None
        name = node.id
        if name in {a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}:
            return None
        items: list[tuple[str, ast.expr]] = []
        for child in walk_ast(function):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target] if isinstance(child, ast.AnnAssign) and child.value is not None else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                value = child.value  # type: ignore[union-attr]
                shown = _display_items(value) if isinstance(value, ast.Dict) else None
                if shown is None:
                    return None
                items += shown
            elif isinstance(child, ast.Subscript) and isinstance(child.value, ast.Name) and child.value.id == name:
                key = child.slice
                if isinstance(child.ctx, ast.Del) or not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    if isinstance(child.ctx, (ast.Store, ast.Del)):
                        return None
                    continue
                if isinstance(child.ctx, ast.Store):
                    items.append((key.value, ast.Constant(value=...)))
            elif (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and isinstance(child.func.value, ast.Name)
                and child.func.value.id == name
            ):
                method = child.func.attr
                if method == "setdefault" and child.args and isinstance(child.args[0], ast.Constant):
                    items.append((str(child.args[0].value), child.args[1] if len(child.args) > 1 else ast.Constant(None)))
                elif method == "update" and not child.args:
                    items += [(k.arg, k.value) for k in child.keywords if k.arg]
                elif method not in ("get", "items", "keys", "values", "copy"):
                    return None  # pop, clear, update(other): the keys are no longer the ones shown
            elif isinstance(child, ast.Call) and any(
                isinstance(a, ast.Name) and a.id == name for a in [*child.args, *(k.value for k in child.keywords if k.arg)]
            ):
                return None  # handed to a function that may fill it
        return items

    def _values_of_name(self, module: str, name: str, line: int, depth: int) -> set[Value]:
        for function in self.enclosing_chain(module, line):
            local = self._local_values(module, function, name, depth)
            if local is not None:
                return local
        qualified = self.resolve(module, name, line)
        info = self.module_info(module)
        head = qualified.split(".")[0]
        is_variable = qualified == name or (  # `create = client.chat.create`: the alias of a variable
            info is not None and head in info.top_level and self.resolve(module, head, line) == head
        )
        if is_variable and info is not None and name in info.top_level:
            return self._top_level_values(module, info.top_level[name], depth)  # a module variable
        if qualified == name and info is not None and self._never_bound(module, info, name):
            return {Value("missing", f"`{name}` is neither defined nor imported in this module")}
        return self._values_of_qualified(qualified, depth)

    def _never_bound(self, module: str, info: ModuleInfo, name: str) -> bool:
        """Using `name` in `module` raises NameError: nothing binds it there and it is no builtin."""
        if hasattr(builtins, name) or name.startswith("__"):
            return False
        if module not in self._bound_anywhere:
            self._bound_anywhere[module] = names_bound_anywhere(info.tree)
        bound = self._bound_anywhere[module]
        return bound is not None and name not in bound

    def _top_level_values(self, module: str, values: list[ast.expr], depth: int) -> set[Value]:
        found: set[Value] = set()
        for value in values:
            if isinstance(value, _Annotation):
                found |= self._values_of_annotation(module, value.annotation, value.lineno, depth)
            else:
                found |= self._values(module, value, value.lineno, depth + 1)
        return found

    def _method_owner(self, module: str, function: AnyFunction) -> ClassInfo | None:
        info = self.module_info(module)
        for cls in info.classes.values() if info else ():
            if any(method is function for method in cls.methods.values()):
                return cls
        return None

    def enclosing_chain(self, module: str, line: int) -> list[AnyFunction]:
        """The functions around `line`, innermost first."""
        info = self.module_info(module)
        around = [node for node, _ in info.functions if _encloses(node, line)] if info else []
        return sorted(around, key=lambda node: node.lineno, reverse=True)

    def _is_local(self, module: str, name: str, line: int, depth: int) -> bool:
        return any(
            self._local_values(module, function, name, depth) is not None
            for function in self.enclosing_chain(module, line)
        )

    def _local_values(self, module: str, function: AnyFunction, name: str, depth: int) -> set[Value] | None:
        """Values of `name` bound in `function`'s own body (None when it does not bind it)."""
        arguments = function.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if argument.arg == name:
                owner = self._method_owner(module, function) if argument.annotation is None else None
                if owner is not None and _first_parameter(function) == name:
                    # `self` (or `cls`), also as seen from a function nested in the method
                    is_classmethod = any(dotted_name(d) == "classmethod" for d in function.decorator_list)
                    return {Value("class" if is_classmethod else "instance", owner.qualified)}
                if argument.annotation is None:
                    return {Value("unknown", f"parameter `{name}` has no annotation")}
                return self._values_of_annotation(module, argument.annotation, function.lineno, depth)
        if name in global_names(function):
            return None  # the module's binding, set here or elsewhere
        bound: list[ast.expr | _NestedFunction] = []
        others = False
        for statement in own_statements(function.body):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                if any((alias.asname or alias.name.split(".")[0]) == name for alias in statement.names):
                    return None  # the name layer answers imports
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                # a factory defined inside the function (`def _get_client(): return AsyncOpenAI()`)
                qualified = self.qualified_name(module, statement)
                if qualified:
                    bound.append(_NestedFunction(qualified))
                    continue
            for target, value in _assignments(statement):
                if isinstance(target, ast.Name) and target.id == name:
                    bound.append(value)
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                # `async with AsyncOpenAI() as client:` holds what the context expression gives
                for item in statement.items:
                    if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                        bound.append(item.context_expr)
            elif isinstance(statement, (ast.For, ast.AsyncFor)):
                others |= name in _target_names(statement)
        if not bound and not others:
            return None
        key = (module, function.lineno, name)
        if key in self._resolving:
            return set()  # `client = client or AsyncOpenAI()`: the other bindings answer
        found: set[Value] = {Value("unknown", f"`{name}` is bound by a loop")} if others else set()
        self._resolving.add(key)
        try:
            for value in bound:
                if isinstance(value, _NestedFunction):
                    found.add(Value("function", value.qualified))
                elif isinstance(value, _Annotation):
                    found |= self._values_of_annotation(module, value.annotation, value.lineno, depth)
                else:
                    found |= self._values(module, value, value.lineno, depth + 1)
        finally:
            self._resolving.discard(key)
        return found

    def _values_of_qualified(self, qualified: str, depth: int) -> set[Value]:
        module, attribute = self.module_of(qualified)
        if module is None:
            if qualified.startswith("<local>."):
                return {Value("unknown", f"`{qualified[8:]}` is a local variable")}
            if self._in_unreadable_module(qualified):
                return {Value("unknown", f"`{qualified}` {UNREADABLE}")}
            return {Value("external", qualified)}
        if not attribute:
            return {Value("module", module)}
        info = self.module_info(module)
        if info is None:
            return {Value("unknown", f"module `{module}` {UNREADABLE}")}
        canonical = self.index.canonical(qualified)
        if canonical in info.classes:
            return {Value("class", canonical)}
        if any(name == canonical for _, name in info.functions):
            return {Value("function", canonical)}
        head, _, rest = attribute.partition(".")
        owner = f"{module}.{head}" if module else head
        if owner in info.classes and rest:
            return self._attribute_of({Value("class", owner)}, rest, depth + 1)
        if head in info.top_level:
            found = self._top_level_values(module, info.top_level[head], depth)
            return self._attribute_of(found, rest, depth) if rest else found
        if self._in_unreadable_module(qualified):
            return {Value("unknown", f"`{qualified}` {UNREADABLE}")}
        return {Value("missing", f"`{qualified}` is not defined where the model can see")}

    def _values_of_attribute(self, module: str, node: ast.Attribute, line: int, depth: int) -> set[Value]:
        if isinstance(node.value, ast.Call) and dotted_name(node.value.func) == "super":
            function, cls = self.enclosing(module, line)
            found: set[Value] = set()
            for base in self.bases(cls) if cls else []:
                method = self.method(base, node.attr)
                found.add(Value("function", method) if method else Value("unknown", f"super().{node.attr}"))
            return found or {Value("unknown", "super() outside a project class")}
        receiver = node.value
        if isinstance(receiver, ast.Name):
            function, cls = self.enclosing(module, line)
            if cls is not None and function is not None and _first_parameter(function) == receiver.id:
                return self._class_attribute(cls.qualified, node.attr, depth)
        dotted = dotted_name(node)
        head = dotted.split(".")[0] if dotted is not None else ""
        info = self.module_info(module)
        if dotted is not None and info is not None and head in info.top_level and self.resolve(module, head, line) == head:
            dotted = None  # a variable of this module: follow its values
        if dotted is not None and not self._is_local(module, head, line, depth):
            # a module attribute (`app.OPENAI_CLIENT`), a class attribute, or a third-party name
            return self._values_of_qualified(self.resolve(module, dotted, line), depth + 1)
        return self._attribute_of(self._values(module, receiver, line, depth + 1), node.attr, depth)

    def _attribute_of(self, receivers: set[Value], attribute: str, depth: int) -> set[Value]:
        found: set[Value] = set()
        for receiver in receivers:
            for part in attribute.split(".")[:1]:
                if receiver.kind in ("instance", "class") and self.class_info(receiver.name):
                    found |= self._class_attribute(receiver.name, part, depth)
                elif receiver.kind == "module":
                    found |= self._values_of_qualified(f"{receiver.name}.{part}", depth + 1)
                elif receiver.kind == "external" and not receiver.called:
                    # `AsyncOpenAI(timeout=30).chat.completions`: the constructor's keywords go along
                    found.add(
                        Value(
                            "external",
                            f"{receiver.name}.{part}",
                            receiver.keywords,
                            none_keywords=receiver.none_keywords,
                            where=receiver.where,
                        )
                    )
                elif receiver.kind == "external":
                    # an attribute of a third-party object: keep where it came from for the caller
                    found.add(
                        Value(
                            "external", f"{receiver.name}().{part}", receiver.keywords, where=receiver.where
                        )
                    )
                else:
                    found.add(Value("unknown", f"`.{part}` of {receiver.kind} `{receiver.name}`"))
        rest = attribute.split(".", 1)[1] if "." in attribute else ""
        return self._attribute_of(found, rest, depth + 1) if rest else found

    def _class_attribute(self, class_qualified: str, attribute: str, depth: int) -> set[Value]:
        """What `obj.attribute` holds for an instance of the class: every assignment in the class
        and its project bases (a union), a property's returns, or the method itself."""
        found: set[Value] = set()
        set_by_subclass_init = False  # a base's `__init__` value never survives the subclass's
        for cls in self.mro(class_qualified):
            method = cls.methods.get(attribute)
            if method is not None:
                if any(
                    dotted_name(d) in ("property", "functools.cached_property", "cached_property")
                    for d in method.decorator_list
                ):
                    return self._returns(f"{cls.qualified}.{attribute}", depth + 1)
                return {Value("function", f"{cls.qualified}.{attribute}")}
            init = cls.methods.get("__init__")
            for value, where, is_annotation in cls.attributes.get(attribute, []):
                if set_by_subclass_init and where is not None and where is init:
                    continue
                if is_annotation:
                    found |= self._values_of_annotation(cls.module, value, value.lineno, depth)
                else:
                    found |= self._values(cls.module, value, value.lineno, depth + 1)
            set_by_subclass_init = set_by_subclass_init or (
                init is not None and _sets_after_super_init(init, attribute)
            )
        return found or {Value("unknown", f"`{attribute}` is never assigned in `{class_qualified}`")}

    def _values_of_annotation(self, module: str, annotation: ast.expr, line: int, depth: int) -> set[Value]:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return {Value("unknown", "unreadable string annotation")}
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return self._values_of_annotation(
                module, annotation.left, line, depth
            ) | self._values_of_annotation(module, annotation.right, line, depth)
        if isinstance(annotation, ast.Constant) and annotation.value is None:
            return {Value("instance", "None")}
        if isinstance(annotation, ast.Subscript):
            outer = self.resolve(module, dotted_name(annotation.value) or "", line)
            members = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            if outer in TYPING_UNIONS:
                found = set().union(*(self._values_of_annotation(module, m, line, depth) for m in members))
                return found | {Value("instance", "None")} if outer.endswith("Optional") else found
            if outer in TYPING_ANNOTATED:
                return self._values_of_annotation(module, members[0], line, depth)
            annotation = annotation.value
        name = dotted_name(annotation)
        if name is None:
            return {Value("unknown", "unreadable annotation")}
        qualified = self.resolve(module, name, line)
        aliased = (
            self._type_alias(module, qualified)
            if qualified == name
            else self._type_alias(*self.module_of(qualified))
        )
        if aliased is not None and depth <= MAX_DEPTH:
            # `OpenAIDep = Annotated[AsyncOpenAI, Depends(get_client)]` used as `client: OpenAIDep`
            alias_module, values = aliased
            return set().union(
                *(self._values_of_annotation(alias_module, v, v.lineno, depth + 1) for v in values)
            )
        found: set[Value] = set()
        for value in self._values_of_qualified(qualified, depth + 1):
            if value.kind in ("class", "external"):
                kind = "instance" if value.kind == "class" else "external"
                found.add(Value(kind, value.name, called=True, declared=True))
            else:
                found.add(value)  # a project alias (`Client = AsyncOpenAI`) resolves through here
        return found

    def _type_alias(self, module: str | None, attribute: str) -> tuple[str, list[ast.expr]] | None:
        """(module, values) of a module variable assigned a type expression (not a call)."""
        info = self.module_info(module) if module is not None else None
        if info is None or not attribute or "." in attribute or attribute not in info.top_level:
            return None
        values = [v for v in info.top_level[attribute] if not isinstance(v, _Annotation)]
        if values and all(isinstance(v, (ast.Subscript, ast.Name, ast.Attribute, ast.BinOp)) for v in values):
            return module, values
        return None

    def _returns(self, function_qualified: str, depth: int) -> set[Value]:
        """What a project function returns: its annotation, else the union of its `return`s."""
        found = self.function(function_qualified)
        if found is None:
            return {Value("unknown", f"`{function_qualified}` {UNREADABLE}")}
        info, node = found
        module = info.source.module
        returns = [
            s.value for s in own_statements(node.body) if isinstance(s, ast.Return) and s.value is not None
        ]
        if node.returns is not None:
            values = self._values_of_annotation(module, node.returns, node.lineno, depth)
            if not all(v.is_unknown for v in values):
                # the annotation says which class; the returns also say how it was built (the
                # keywords a client got): where they build the very classes it names, they count
                built = set().union(*(self._values(module, r, r.lineno, depth + 1) for r in returns)) if returns else set()
                named = {v.name for v in values}
                if built and all(not v.is_unknown and v.name in named for v in built):
                    return built
                return values
        if not returns:
            return {Value("unknown", f"`{function_qualified}` returns nothing the model can read")}
        return set().union(*(self._values(module, r, r.lineno, depth + 1) for r in returns))

    # -- calls -------------------------------------------------------------------------------------

    def callees(self, module: str, call: ast.Call | str, line: int) -> tuple[list[str], list[Unseen]]:
        """(project functions the call may reach, what else it may reach that the model cannot follow)."""
        if isinstance(call, str):
            parsed = ast.parse(call.strip(), mode="eval").body
            assert isinstance(parsed, ast.Call)
            call = parsed
        reached: list[str] = []
        unseen: list[Unseen] = []
        for value in self._values(module, call.func, line, 0):
            if value.kind == "function":
                reached.append(value.name)
            elif value.kind == "class":
                init = self.method(value.name, "__init__")
                if init:
                    reached.append(init)
                elif self.class_info(value.name) is None:
                    unseen.append(Unseen(f"`{value.name}` {UNREADABLE}"))
                else:
                    # no project `__init__`: a third-party base constructs it (pydantic validates)
                    unseen.extend(
                        Unseen(f"the constructor of `{base}`, a base of `{value.name}`", external=True)
                        for base in self.external_bases(value.name)
                    )
            elif value.kind == "external" and is_quiet_method(value.name):
                continue
            elif value.kind == "external" and "." not in value.name:
                unseen.append(Unseen(f"builtin call `{value.name}`", external=True))
            elif value.kind == "external":
                unseen.append(Unseen(f"third-party call `{value.name}`", external=True))
            else:
                unseen.append(Unseen(value.name))
        if isinstance(call.func, ast.Attribute) and not reached and unseen:
            # a method of a Protocol/ABC-typed receiver with one project implementation
            reached_via_protocol = self._through_single_implementation(module, call.func, line)
            if reached_via_protocol:
                return [reached_via_protocol], []
        return sorted(set(reached)), sorted(set(unseen), key=lambda u: u.reason)

    def callers(self, function_qualified: str) -> list[CallerSite] | None:
        """Every call in the project that may reach `function_qualified`. None when some call of
        the same name goes where the model cannot follow (its receiver is unknown): that call may
        be a caller too, so the answer would be incomplete."""
        canonical = self.index.canonical(function_qualified)
        name = canonical.rpartition(".")[2]
        found: list[CallerSite] = []
        for source in self.project.files_containing(name.encode()):
            info = self.module_info(source.module) if source.module else None
            if info is None:
                if source.module or source.contains(f"{name}(".encode()):
                    return None  # a file the model cannot read may hold a caller
                continue
            for node in walk_ast(info.tree):
                if not isinstance(node, ast.Call) or _called_name(node) != name:
                    continue
                reached, unseen = self.callees(source.module, node, node.lineno)
                if canonical in reached:
                    function, _ = self.enclosing(source.module, node.lineno)
                    qualified = self.qualified_name(source.module, function)
                    found.append(CallerSite(source.module, node, function, qualified))
                elif not reached and any(not u.external for u in unseen):
                    return None
        return found

    def _through_single_implementation(self, module: str, func: ast.Attribute, line: int) -> str | None:
        for value in self._values(module, func.value, line, 0):
            if value.kind == "instance" and self.class_info(value.name):
                implementations = self.implementations(value.name)
                if len(implementations) == 1:
                    return self.method(implementations[0].qualified, func.attr)
        return None

    # -- exception classes -------------------------------------------------------------------------

    def subclasses(self, qualified: str) -> list[ClassInfo]:
        """Project classes deriving from `qualified` (itself included), in the modules whose
        bytes name it or one of its subclasses."""
        found: list[ClassInfo] = []
        pending = [self.index.canonical(qualified)]
        while pending:
            current = pending.pop()
            cls = self.class_info(current)
            if cls is None or cls in found:
                continue
            found.append(cls)
            short = current.rsplit(".", 1)[-1].encode()
            for source in self.project.files_containing(short):
                info = self.module_info(source.module) if source.module else None
                for candidate in info.classes.values() if info is not None else ():
                    if current in self.bases(candidate):
                        pending.append(candidate.qualified)
        return found

    def constructions(self, qualified: str) -> tuple[list[RaiseSite], list[Unknown]]:
        """Every `raise C(...)` of the exception class `qualified` or a subclass in the project,
        with its message (`exception_message`); and every other use that may build one where the
        model cannot follow it (`err = C(...)`, `factories = {"x": C}`), as unknowns. A file that
        names the class and does not parse is an unknown too."""
        canonical = self.index.canonical(qualified)
        if canonical in self._constructions:
            return self._constructions[canonical]
        family = {cls.qualified for cls in self.subclasses(qualified)}
        raises: list[RaiseSite] = []
        unknown: list[Unknown] = []
        names = {name.rsplit(".", 1)[-1].encode() for name in family}
        for source in self.project.files_containing(*names):
            info = self.module_info(source.module) if source.module else None
            if info is None:
                unknown.append(Unknown(f"`{source.relpath}` {UNREADABLE}", source.relpath, 0))
                continue
            raises_here, unknown_here = self._constructions_in(info, family)
            raises += raises_here
            unknown += unknown_here
        self._constructions[canonical] = (raises, unknown)
        return raises, unknown

    def _constructions_in(self, info: ModuleInfo, family: set[str]) -> tuple[list[RaiseSite], list[Unknown]]:
        module, relpath = info.source.module, info.source.relpath
        benign: set[int] = set()  # references that build nothing: except clauses, bases, isinstance
        raised: dict[int, ast.Raise] = {}
        for node in walk_ast(info.tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                benign.update(id(n) for n in walk_ast(node.type))
            elif isinstance(node, ast.ClassDef):
                benign.update(id(n) for base in node.bases for n in walk_ast(base))
            elif isinstance(node, ast.Call) and dotted_name(node.func) in ("isinstance", "issubclass"):
                benign.update(id(n) for arg in node.args[1:] for n in walk_ast(arg))
            elif isinstance(node, ast.Call) and dotted_name(node.func) in ("pytest.raises", "raises"):
                benign.update(id(n) for arg in node.args[:1] for n in walk_ast(arg))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                continue  # aliases are not expressions: nothing to mark
            elif isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                raised[id(target)] = node
        raises: list[RaiseSite] = []
        unknown: list[Unknown] = []
        for node in walk_ast(info.tree):
            if not isinstance(node, (ast.Name, ast.Attribute)) or id(node) in benign:
                continue
            name = dotted_name(node)
            if name is None or self.index.canonical(self.resolve(module, name, node.lineno)) not in family:
                continue
            function = self.enclosing(module, node.lineno)[0]
            statement = raised.get(id(node))
            if statement is None:
                unknown.append(Unknown(f"`{name}` is used other than in a raise", relpath, node.lineno))
                continue
            exception = self.index.canonical(self.resolve(module, name, node.lineno))
            call = statement.exc if isinstance(statement.exc, ast.Call) else None
            message = self.exception_message(module, exception, call) if call is not None else ("",)
            raises.append(
                RaiseSite(exception, message, relpath, statement.lineno, function.name if function else "")
            )
        return raises, unknown

    def exception_message(self, module: str, exception: str, call: ast.Call) -> tuple[str | None, ...] | None:
        """What `str()` of `exception(...)` built by `call` says, as literal parts (None where a
        value is interpolated); None when the model cannot tell (a `__str__` of its own, an
        `__init__` that builds the message some other way, several arguments)."""
        chain = self.mro(exception)
        if any("__str__" in cls.methods for cls in chain):
            return None
        init = next((cls for cls in chain if "__init__" in cls.methods), None)
        if init is None:  # BaseException keeps the arguments: str() is the only one's str()
            if call.keywords or len(call.args) > 1 or any(isinstance(a, ast.Starred) for a in call.args):
                return None
            return message_shape(call.args[0]) if call.args else ("",)
        method = init.methods["__init__"]
        passed = _message_passed_up(method)
        if passed is None:
            return None
        parameters = [a.arg for a in [*method.args.posonlyargs, *method.args.args][1:]]
        if isinstance(passed, ast.Name) and passed.id in parameters:
            # the message is an argument of the construction: read it there
            position = parameters.index(passed.id)
            keyword = next((k.value for k in call.keywords if k.arg == passed.id), None)
            argument = keyword if keyword is not None else call.args[position] if position < len(call.args) else None
            return message_shape(argument) if argument is not None else None
        return message_shape(passed)

    # -- raises ------------------------------------------------------------------------------------

    def raises(self, function_qualified: str) -> RaiseSummary:
        """What the project function may raise, transitively, with what the walk could not see."""
        canonical = self.index.canonical(function_qualified)
        if canonical in self._raises:
            return self._raises[canonical]
        if canonical in self._in_progress:
            return RaiseSummary()  # recursion: the outer walk collects this function's raises
        found = self.function(canonical)
        if found is None:
            module, _ = self.module_of(canonical)
            relpath = self._relpath(module) if module is not None else ""
            return RaiseSummary(unknown=[Unknown(f"`{canonical}` {UNREADABLE}", relpath, 0)])
        info, node = found
        self._in_progress.add(canonical)
        try:
            summary = self.raises_in(info.source.module, node.body, canonical)
        finally:
            self._in_progress.discard(canonical)
        self._raises[canonical] = summary
        return summary

    def raises_in(self, module: str, statements: list[ast.stmt], function: str = "") -> RaiseSummary:
        """What a block of statements may raise (a `try` body, a function body)."""
        summary = RaiseSummary()
        relpath = self._relpath(module)
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(statement, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                summary.extend(self._raises_of_try(module, statement, function))
                continue
            if isinstance(statement, ast.Raise):
                site = self._raise_site(module, statement, function)
                if site is not None:
                    summary.raises.append(site)
            for call in _own_calls(statement):
                if isinstance(statement, ast.Raise) and call is statement.exc:
                    continue  # constructing the exception being raised
                if isinstance(call.func, ast.Name) and call.func.id in QUIET_BUILTINS:
                    continue
                reached, unseen = self.callees(module, call, call.lineno)
                for what in unseen:
                    summary.unknown.append(Unknown(what.reason, relpath, call.lineno, what.external))
                for callee in reached:
                    summary.extend(self.raises(callee))
            for child in _child_blocks(statement):
                summary.extend(self.raises_in(module, child, function))
        return summary

    def _raises_of_try(self, module: str, node: ast.Try, function: str) -> RaiseSummary:
        body = self.raises_in(module, node.body, function)
        summary = RaiseSummary(unknown=list(body.unknown))
        caught_everything = False
        for raised in body.raises:
            handler = self._handler_for(module, node, raised.exception)
            if handler is None:
                summary.raises.append(raised)
            elif any(isinstance(s, ast.Raise) and s.exc is None for s in own_statements(handler.body)):
                summary.raises.append(raised)  # re-raised as it is
        for handler in node.handlers:
            caught_everything |= handler.type is None
            handled = self.raises_in(module, handler.body, function)
            if handler.name:
                # `raise ValueError(f"Error updating: {e}")`: the caught error's text is in the
                # message, so what it says cannot be read from the literal parts alone
                wrapping = _lines_wrapping(handler, handler.name)
                handled.raises = [
                    RaiseSite(r.exception, None, r.relpath, r.line, r.function, wraps=True)
                    if r.line in wrapping and r.relpath == self._relpath(module)
                    else r
                    for r in handled.raises
                ]
            summary.extend(handled)
        if caught_everything:
            summary.unknown = [u for u in summary.unknown if u not in body.unknown]
        for block in (node.orelse, node.finalbody):
            summary.extend(self.raises_in(module, block, function))
        return summary

    def _handler_for(self, module: str, node: ast.Try, exception: str) -> ast.ExceptHandler | None:
        for handler in node.handlers:
            if handler.type is None:
                return handler
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for kind in kinds:
                name = self.resolve(module, dotted_name(kind) or "", handler.lineno)
                if name in self.exception_ancestry(exception):
                    return handler
        return None

    def exception_ancestry(self, exception: str) -> set[str]:
        """The exception type and its bases, project and builtin (`ValueError` -> `Exception`...)."""
        found = {exception, "BaseException"}
        for cls in self.mro(exception):
            found.add(cls.qualified)
            for base in self.bases(cls):
                found.add(base)
                found |= BUILTIN_EXCEPTION_BASES.get(base, set())
        found |= BUILTIN_EXCEPTION_BASES.get(exception, set())
        return found

    def _raise_site(self, module: str, node: ast.Raise, function: str) -> RaiseSite | None:
        if node.exc is None:
            return None  # a bare re-raise: `_raises_of_try` keeps what its handler caught
        exc = node.exc
        call = exc if isinstance(exc, ast.Call) else None
        name = dotted_name(call.func if call else exc)
        exception = self.resolve(module, name, node.lineno) if name else "<dynamic>"
        message: tuple[str | None, ...] | None = None
        if call is not None and self.class_info(exception) is not None:
            message = self.exception_message(module, exception, call)  # through its __init__
        elif call is not None and call.args:
            message = message_shape(call.args[0])
        return RaiseSite(exception, message, self._relpath(module), node.lineno, function)

    def _in_unreadable_module(self, qualified: str) -> bool:
        """Does the name lead into a project file that does not parse (not a third-party name)?"""
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if self.project.find_module(module) is not None:
                return self.module_info(module) is None
        return False

    def _relpath(self, module: str | None) -> str:
        source = self.project.find_module(module) if module is not None else None
        return source.relpath if source else ""


# Bases whose constructor takes what it is given: a class deriving only from these (and project
# classes) raises only what its project `__init__` raises.
INERT_BASES = frozenset(
    {
        "object",
        "typing.Protocol",
        "typing_extensions.Protocol",
        "typing.Generic",
        "abc.ABC",
        "Exception",
        "BaseException",
        "ValueError",
        "RuntimeError",
        "LookupError",
        "KeyError",
    }
)

# Builtins that raise nothing but TypeError/AttributeError on misuse: a raise summary does not list
# them as unknown (`int()`, `float()`, `min()` and friends can raise ValueError and are listed).
QUIET_BUILTINS = frozenset(
    {
        "isinstance",
        "issubclass",
        "len",
        "print",
        "str",
        "repr",
        "super",
        "range",
        "enumerate",
        "zip",
        "list",
        "dict",
        "set",
        "tuple",
        "frozenset",
        "bool",
        "type",
        "id",
        "hasattr",
        "getattr",
        "setattr",
        "callable",
        "sorted",
        "reversed",
        "any",
        "all",
        "iter",
        "vars",
        "format",
        "hash",
        "abs",
        "round",
    }
)

BUILTIN_EXCEPTION_BASES: dict[str, set[str]] = {
    "ValueError": {"Exception"},
    "UnicodeDecodeError": {"ValueError", "UnicodeError", "Exception"},
    "KeyError": {"LookupError", "Exception"},
    "IndexError": {"LookupError", "Exception"},
    "TypeError": {"Exception"},
    "RuntimeError": {"Exception"},
    "PermissionError": {"OSError", "Exception"},
    "FileNotFoundError": {"OSError", "Exception"},
    "Exception": set(),
}


def is_quiet_method(name: str) -> bool:
    """`str().lower`, `builtins.dict().get`: a method of a builtin value that raises no ValueError."""
    receiver, _, method = name.rpartition("().")
    receiver = receiver.removeprefix("builtins.")
    return method in QUIET_METHODS.get(receiver, ())


def _display_items(node: ast.Dict) -> list[tuple[str, ast.expr]] | None:
    """`{"timeout": t, "model": m}`: its pairs; None with a `**merge` or a computed key."""
    items = []
    for key, value in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        items.append((key.value, value))
    return items


def _lines_wrapping(handler: ast.ExceptHandler, name: str) -> set[int]:
    """Lines of the raises in a handler whose arguments read the caught exception `name`."""
    return {
        node.lineno
        for statement in handler.body
        for node in walk_ast(statement)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and any(
            isinstance(part, ast.Name) and part.id == name
            for argument in [*node.exc.args, *(k.value for k in node.exc.keywords)]
            for part in walk_ast(argument)
        )
    }


def _message_passed_up(init: AnyFunction) -> ast.expr | None:
    """The one message an `__init__` hands to its base: `super().__init__(msg)` or
    `Base.__init__(self, msg)`, a statement of its body (None when there is not exactly one)."""
    found = []
    for statement in init.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr != "__init__" or call.keywords:
            continue
        owner = call.func.value
        is_super = isinstance(owner, ast.Call) and dotted_name(owner.func) == "super"
        arguments = call.args if is_super else call.args[1:]
        if len(arguments) == 1 and not isinstance(arguments[0], ast.Starred):
            found.append(arguments[0])
        else:
            return None
    return found[0] if len(found) == 1 else None


def message_shape(node: ast.expr) -> tuple[str | None, ...] | None:
    """Literal parts of a message (None for each interpolated part); None when wholly dynamic."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.JoinedStr):
        parts = tuple(
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else None
            for part in node.values
        )
        return parts if any(p for p in parts) else None
    return None


@dataclass(frozen=True)
class _NestedFunction:
    """A function defined inside another, as one of the values its name is bound to there."""

    qualified: str


def _wrapped_argument(call: ast.Call, wrapper: str) -> ast.expr | None:
    """What a transparent wrapper wraps: its first argument, or `client=`/`create=`
    (`instructor.patch(create=client.messages.create)`); for `cast(T, value)`, `value`."""
    if wrapper in CASTS:
        if len(call.args) == 2 and not call.keywords:
            return call.args[1]
        return next((k.value for k in call.keywords if k.arg == "val"), None) if len(call.args) == 1 else None
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg in ("client", "create")), None)


def _sets_after_super_init(init: AnyFunction, attribute: str) -> bool:
    """`__init__` sets `self.attribute` in its own body (not under a condition) after calling
    `super().__init__()`, or without calling it: what the base's `__init__` set is replaced."""
    self_name = _first_parameter(init)
    super_lines = [
        node.lineno
        for node in walk_ast(init)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"
    ]
    for statement in init.body:
        if super_lines and statement.lineno <= max(super_lines):
            continue  # the base's `__init__` may still run after it and set its own value
        for target, value in _assignments(statement):
            if (
                not isinstance(value, _Annotation)  # `self.x: T` declares, it does not set
                and isinstance(target, ast.Attribute)
                and target.attr == attribute
                and isinstance(target.value, ast.Name)
                and target.value.id == self_name
            ):
                return True
    return False


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


class _Annotation:
    """A declaration without a value (`x: T`): its annotation stands for the value."""

    def __init__(self, annotation: ast.expr, lineno: int) -> None:
        self.annotation = annotation
        self.lineno = lineno


def names_bound_anywhere(tree: ast.Module) -> frozenset[str] | None:
    """Every name the module binds at any depth (None when a `from x import *` may bind any)."""
    bound: set[str] = set()
    for node in walk_ast(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            if node.name == "*":
                return None
            bound.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
    return frozenset(bound)


def _assignments(statement: ast.stmt) -> Iterator[tuple[ast.expr, ast.expr]]:
    """(target, value) pairs a statement binds (an annotation stands in for a missing value)."""
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            yield target, statement.value
            if isinstance(target, (ast.Tuple, ast.List)):
                yield from _unpacked(target, statement.value)
    elif isinstance(statement, ast.AnnAssign):
        if statement.value is not None:
            yield statement.target, statement.value
        none = isinstance(statement.value, ast.Constant) and statement.value.value is None
        if statement.value is None or none:
            # `x: T` or `x: T | None = None`: the annotation says what it holds once set
            yield statement.target, _Annotation(statement.annotation, statement.lineno)  # type: ignore[misc]
    elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.NamedExpr):
        yield statement.value.target, statement.value.value


def _unpacked(target: ast.Tuple | ast.List, value: ast.expr) -> Iterator[tuple[ast.expr, ast.expr]]:
    """`a, self.b = f()`: each element is bound to `f()[i]` (a star makes positions unknown)."""
    if any(isinstance(element, ast.Starred) for element in target.elts):
        for element in target.elts:
            inner = element.value if isinstance(element, ast.Starred) else element
            yield inner, ast.copy_location(ast.Constant(value=...), value)  # an unknown value
        return
    for position, element in enumerate(target.elts):
        item = ast.Subscript(value=value, slice=ast.Constant(value=position), ctx=ast.Load())
        yield element, ast.copy_location(item, value)


def _target_names(statement: ast.stmt) -> set[str]:
    targets: list[ast.expr] = []
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        targets = [statement.target]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return {node.id for target in targets for node in walk_ast(target) if isinstance(node, ast.Name)}


def _collect(
    body: list[ast.stmt],
    prefix: str,
    functions: list[tuple[AnyFunction, str]],
    classes: dict[str, ClassInfo],
    module: str,
) -> None:
    for statement in top_level_statements(body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append((statement, prefix + statement.name))
            _collect(statement.body, f"{prefix}{statement.name}.<locals>.", functions, classes, module)
        elif isinstance(statement, ast.ClassDef):
            qualified = prefix + statement.name
            methods: dict[str, AnyFunction] = {}
            attributes: dict[str, list[tuple[ast.expr, AnyFunction | None, bool]]] = {}
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    methods[member.name] = member
                for target, value in _assignments(member):
                    if isinstance(target, ast.Name):
                        _add_attribute(attributes, target.id, value, None)
            for method in methods.values():
                self_name = _first_parameter(method)
                for node in own_statements(method.body):
                    for target, value in _assignments(node):
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == self_name
                        ):
                            _add_attribute(attributes, target.attr, value, method)
            classes[qualified] = ClassInfo(qualified, module, statement, methods, attributes)
            _collect(statement.body, f"{qualified}.", functions, classes, module)


def _add_attribute(
    attributes: dict[str, list[tuple[ast.expr, AnyFunction | None, bool]]],
    name: str,
    value: ast.expr,
    method: AnyFunction | None,
) -> None:
    if isinstance(value, _Annotation):
        annotation = value.annotation
        annotation.lineno = value.lineno
        attributes.setdefault(name, []).append((annotation, method, True))
    else:
        attributes.setdefault(name, []).append((value, method, False))


def _first_parameter(function: AnyFunction) -> str | None:
    arguments = [*function.args.posonlyargs, *function.args.args]
    decorators = {dotted_name(d) for d in function.decorator_list}
    if "staticmethod" in decorators or not arguments:
        return None
    return arguments[0].arg


def _encloses(function: AnyFunction, line: int) -> bool:
    return function.lineno <= line <= (function.end_lineno or function.lineno)


def _own_calls(statement: ast.stmt) -> Iterator[ast.Call]:
    """Calls in the statement's own expressions (not in nested blocks, functions or lambdas)."""
    stack: list[ast.AST] = [
        child
        for name, child in ast.iter_fields(statement)
        if name not in ("body", "orelse", "finalbody", "handlers", "cases")
        for child in (child if isinstance(child, list) else [child])
        if isinstance(child, ast.AST)
    ]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(child_nodes(node))


def _child_blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        block = getattr(statement, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for case in getattr(statement, "cases", []) or []:
        yield case.body
