"""Codemods a team already has, run through fixit's pipeline (discovery, prefilter, parallelism,
safe writing, dry-run formats, branches, batches):

- `module.path:ClassName` — any `libcst.codemod.Codemod` subclass, with a `CodemodContext` per file;
  `--option module.path:ClassName.KEY=VALUE` is passed to its constructor as `KEY=VALUE`.
- `bowler:path/to/query.py` — a Bowler query: the script defines `query` (a `bowler.Query`) or a
  function `query()` returning one. Its fixers run on each file's text and the result is taken as
  an edit; Bowler itself never writes. Bowler's parser stops at Python 3.8 syntax: a file it cannot
  read is reported and left untouched.

Neither kind declares triggers, so every discovered file is a candidate.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from fixit_codemods.api import Action, ConfigError, FileRewrite, Safety, Site, Transform, parse_bool
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceError, SourceFile


def changed_lines(before: str, after: str) -> list[int]:
    """First line (1-based, in `before`) of each changed region: the sites of an opaque rewrite."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return [i1 + 1 for tag, i1, _i2, _j1, _j2 in matcher.get_opcodes() if tag != "equal"]


def _sites_for(before: str, after: str, what: str) -> list[Site]:
    return [Site(line, 0, Action.CHANGED, f"rewritten by {what}") for line in changed_lines(before, after)]


class _ExternalTransform(Transform):
    """Shared by the adapters: a name given per instance, every file a candidate."""

    safety = Safety.UNSAFE  # fixit cannot vouch for code it did not write
    spec: str = ""

    @property  # type: ignore[override]
    def name(self) -> str:
        return self.spec

    @property  # type: ignore[override]
    def commit_subject(self) -> str:
        return f"apply {self.spec} at {{sites}} sites"

    def candidates(self, project: Project) -> Iterable[SourceFile]:
        return project.files


def _convert(value: Any, annotation: Any) -> Any:
    """Command-line strings to the constructor's annotated types (bool, int, float)."""
    if not isinstance(value, str):
        return value
    kind = annotation if isinstance(annotation, type) else None
    if isinstance(annotation, str):
        kind = {"bool": bool, "int": int, "float": float}.get(annotation)
    if kind is bool:
        return parse_bool(value)
    if kind in (int, float):
        return kind(value)
    return value


class LibCSTCodemodTransform(_ExternalTransform):
    """Runs a `libcst.codemod.Codemod` subclass on each file."""

    def __init__(self, spec: str, options: Mapping[str, Any] | None = None) -> None:
        from libcst.codemod import Codemod

        self.spec = spec
        module_name, _, class_name = spec.partition(":")
        try:
            codemod = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as error:
            raise ConfigError(f"cannot load codemod `{spec}`: {error}") from error
        if not (isinstance(codemod, type) and issubclass(codemod, Codemod)):
            raise ConfigError(f"`{spec}` is not a libcst.codemod.Codemod subclass")
        self.codemod = codemod
        self.settings = self._arguments(dict(options or {}))
        self.summary = (inspect.getdoc(codemod) or class_name).splitlines()[0]  # type: ignore[misc]

    def _arguments(self, options: dict[str, Any]) -> dict[str, Any]:
        parameters = inspect.signature(self.codemod.__init__).parameters
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        arguments = {}
        for key, value in options.items():
            parameter = parameters.get(key)
            if parameter is None and not accepts_any or key == "context":
                raise ConfigError(f"{self.spec}: its constructor takes no argument `{key}`")
            arguments[key] = _convert(value, parameter.annotation if parameter else None)
        required = [
            name
            for name, parameter in list(parameters.items())[1:]  # after `self`
            if name != "context"
            and parameter.default is parameter.empty
            and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
            and name not in arguments
        ]
        if required:  # found now, not as an internal error on every file
            wanted = " ".join(f"-o {self.spec}.{name}=VALUE" for name in required)
            raise ConfigError(f"{self.spec}: its constructor needs {', '.join(map(repr, required))}: pass {wanted}")
        return arguments

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        from libcst.codemod import CodemodContext, SkipFile

        context = CodemodContext(
            filename=str(source.path),
            full_module_name=source.module or None,
            full_package_name=source.module.rpartition(".")[0] if source.module else None,
        )
        try:
            module = self.codemod(context, **self.settings).transform_module(source.cst)
        except SkipFile:
            return None
        text = module.code
        sites = _sites_for(source.text, text, self.spec)
        sites += [Site(1, 0, Action.REVIEW, f"{self.spec}: {warning}") for warning in context.warnings]
        return FileRewrite(text if text != source.text else None, sites)


_QUERIES: dict[str, Any] = {}  # per process: a loaded query's fixers are not picklable


def _load_query(script: Path, paths: Sequence[str] = ()) -> Any:
    """The script's `query`: a bowler.Query, or a function returning one — given the target paths
    when it takes them (`def query(paths): return Query(paths)...`, Bowler's own idiom)."""
    key = f"{script}\0{os.pathsep.join(paths)}"
    if key not in _QUERIES:
        spec = importlib.util.spec_from_file_location(f"fixit_bowler_query_{abs(hash(key))}", script)
        if spec is None or spec.loader is None:
            raise ConfigError(f"cannot load Bowler query {script}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        query = getattr(module, "query", None)
        if callable(query) and not hasattr(query, "compile"):
            query = query(list(paths)) if _takes_an_argument(query) else query()
        if query is None or not hasattr(query, "compile"):
            raise ConfigError(
                f"{script}: define `query` (a bowler.Query) or a function `query()` returning one"
            )
        _QUERIES[key] = query
    return _QUERIES[key]


def _takes_an_argument(function: Any) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


class BowlerQueryTransform(_ExternalTransform):
    """Runs a Bowler query's fixers on each file's text and takes the result as an edit."""

    def __init__(self, spec: str, options: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self.script = Path(spec.partition(":")[2]).resolve()
        try:
            import bowler  # noqa: F401
        except ImportError as error:
            raise ConfigError(
                "Bowler queries need the extra: pip install 'fixit-codemods[bowler]'"
            ) from error
        if not self.script.is_file():
            raise ConfigError(f"Bowler query not found: {self.script}")
        if options:
            raise ConfigError(f"{spec}: Bowler queries take no options")
        self.settings = {}
        self.summary = f"Bowler query {self.script.name}"  # type: ignore[misc]
        self.paths: tuple[str, ...] = ()  # the project's folder, for a `query(paths)` function
        _load_query(self.script, ["."])  # fail early, in the main process, on a broken script

    def plan(self, project: Project) -> None:
        self.paths = (str(project.root),)

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        from bowler.tool import BowlerTool
        from fissix.pgen2.parse import ParseError
        from fissix.pgen2.tokenize import TokenError

        fixers = _load_query(self.script, self.paths).compile()
        tool = BowlerTool(
            fixers,
            interactive=False,
            write=False,
            silent=True,
            in_process=True,
            options={"print_function": True},
        )
        # lib2to3's grammar wants "\n" line ends and a final newline; both are restored after
        text = source.text.replace("\r\n", "\n")
        padded = not text.endswith("\n")
        problems: list[str] = []
        tool.log_error = lambda message, *args, **_: problems.append(
            str(message) % args if args else str(message)
        )
        try:
            tree = tool.refactor_string(text + ("\n" if padded else ""), source.relpath)
        except (ParseError, TokenError, IndentationError, SyntaxError) as error:
            problems.append(str(error))
            tree = None
        if tree is None:  # never written: reported as a failed file, like a syntax error
            detail = problems[0] if problems else "parse error"
            raise SourceError(f"Bowler cannot parse this file (its grammar stops at Python 3.8): {detail}")
        result = str(tree)
        if padded:
            result = result[:-1]
        if source.newline == "\r\n":
            result = result.replace("\n", "\r\n")
        if result == source.text:
            return None
        return FileRewrite(result, _sites_for(source.text, result, self.spec))


def external_transform(spec: str, options: Mapping[str, Any] | None = None) -> Transform | None:
    """The adapter for `bowler:PATH` or `module.path:ClassName`, else None (not an external spec)."""
    if spec.startswith("bowler:"):
        return BowlerQueryTransform(spec, options)
    if ":" in spec:
        return LibCSTCodemodTransform(spec, options)
    return None
