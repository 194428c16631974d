"""What a transform may ask of the whole project: its files, a cheap byte search, a parallel map,
and a name index. Files are read once, as bytes, in the main process; decoding and parsing happen
only for the few files a transform asks for, in worker processes.
"""

from __future__ import annotations

import ast
import itertools
import multiprocessing
import os
import re
import sys
import traceback
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable, Generic, Iterable, Iterator, Sequence, TypeVar

from fixit_codemods import discovery
from fixit_codemods.ast_walk import walk_ast
from fixit_codemods.index import ModuleFacts, ProjectIndex, module_facts, sibling_target
from fixit_codemods.sources import SourceError, SourceFile

# `app/logging.py` imported as `logging` would shadow the standard library: never a rooted name
STDLIB_MODULES = frozenset(getattr(sys, "stdlib_module_names", ()))

if TYPE_CHECKING:
    from fixit_codemods.model import SemanticModel

T = TypeVar("T")

# Below this many files a process pool costs more than it saves.
PARALLEL_THRESHOLD = 24
BATCH_SIZE = 16


@dataclass
class Failure:
    relpath: str
    message: str
    transform: str = ""


@dataclass
class Mapped(Generic[T]):
    source: SourceFile
    value: T


# Deep but valid code (a 600-branch elif chain, hundreds of joined strings) nests LibCST's trees
# as deep: the visitors recurse once or more per level. Python 3.11+ keeps such calls off the C
# stack, so a higher limit is safe; what still goes deeper is reported as such, not as a bug.
RECURSION_LIMIT = 20_000 if sys.version_info >= (3, 11) else 6_000
sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))


def _describe(error: BaseException) -> str:
    if isinstance(error, SourceError):
        return str(error)
    if isinstance(error, RecursionError):
        return "nested too deeply to analyse; left as it is"
    # a bug in a transform: keep the innermost frame so the report points somewhere useful
    frame = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = f" ({Path(frame[0].filename).name}:{frame[0].lineno})" if frame else ""
    return f"internal error {type(error).__name__}: {error}{where}"


def interrupt_behind(error: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM (`Terminated`) that `error` stands in for, if any. Library code that
    raises in a `finally` block (LibCST's position provider does, when the codegen it wraps was
    cut short) turns the KeyboardInterrupt passing through into an ordinary exception: caught as
    one file's failure, the run would go on as if it had never been stopped."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__context__ or current.__cause__
    return None


def stop_if_interrupted(error: BaseException) -> None:
    """Raise the stop signal behind `error` (see `interrupt_behind`), if there is one: for the
    catch-alls that record an error as a file's or a repository's failure."""
    interrupt = interrupt_behind(error)
    if interrupt is not None:
        raise interrupt from None


def _run_batch(function: Callable[[SourceFile], T], batch: Sequence[SourceFile]) -> list[tuple[bool, object]]:
    results: list[tuple[bool, object]] = []
    for source in batch:
        try:
            results.append((True, function(source)))
        except Exception as error:  # one file's failure must not stop the others
            stop_if_interrupted(error)  # a stop signal, not a failure: the run stops
            results.append((False, _describe(error)))
    return results


# `from a.b import c` / `import a.b` at the start of a line: a module's own top-level imports
TOP_LEVEL_IMPORT = re.compile(rb"^(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][\w.]*))", re.MULTILINE)


class ModulesOnDemand(dict):  # type: ignore[type-arg]  # dict[str, ModuleFacts]
    """The `modules` of a ProjectIndex, each module read the first time a lookup asks for it.

    Gives the answers of `project.index()` for the cost of the modules a resolution visits: the
    import paths from a handful of sites, not a whole tree (a vendored library, a monorepo's other
    apps). Modules are read through `Project.index`, so facts are cached across transforms and a
    module that does not parse is reported as a failure (and then treated as unknown)."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.absent: set[str] = set()
        # the file the module name "" (a script outside any package) stands for, when a transform
        # resolves names in one such file; None: the last one that parses
        self.unnamed: SourceFile | None = None
        self.generation = 0  # one more each time a module may read otherwise (see ProjectIndex.canonical)

    def stand_for_unnamed(self, source: SourceFile) -> None:
        """Let the module name "" mean this script from now on (a new `generation` of the modules:
        names resolved before may resolve otherwise)."""
        self.unnamed = source
        dict.pop(self, "", None)
        self.absent.discard("")
        self.generation += 1

    def __contains__(self, module: object) -> bool:
        return isinstance(module, str) and self.load(module)

    def __missing__(self, module: str) -> ModuleFacts:
        if self.load(module):
            return dict.__getitem__(self, module)  # type: ignore[no-any-return]
        raise KeyError(module)

    def get(self, module: str, default: ModuleFacts | None = None) -> ModuleFacts | None:  # type: ignore[override]
        return dict.__getitem__(self, module) if self.load(module) else default  # type: ignore[no-any-return]

    def load(self, module: str) -> bool:
        if dict.__contains__(self, module):
            return True
        facts = None if module in self.absent else self.read(module)
        if facts is None:
            self.absent.add(module)
            return False
        self[module] = facts
        return True

    def read(self, module: str) -> ModuleFacts | None:
        """As `project.index()` has it: the facts of the last file of that name that parses."""
        if not module and self.unnamed is not None:
            return self.project.index([self.unnamed]).modules.get(module)
        named = self.project.find_module(module)
        if named is None and module:
            return None  # no file has this module name
        same_name = (f for f in reversed(self.project.files) if f.module == module and f is not named)
        for source in itertools.chain([named] if named else [], same_name):
            facts = self.project.index([source]).modules.get(source.module)
            if facts is not None:
                return facts
        return None

    def __reduce__(self) -> tuple[object, ...]:
        return (dict, (dict(self),))  # a worker gets what was read, without the project


class WorkerPool:
    """A process pool created on first use and shared by every project of a run."""

    def __init__(self, jobs: int = 0) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self._executor: Executor | None = None

    def executor(self) -> Executor:
        if self._executor is None:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=multiprocessing.get_context(method)
            )
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None


class Project:
    """The files of one run, as the current transform sees them (after earlier transforms' edits)."""

    def __init__(
        self,
        root: Path,
        files: list[SourceFile],
        jobs: int = 0,
        display_root: Path | None = None,
        pool: WorkerPool | None = None,
    ) -> None:
        # the project's folder (nearest pyproject.toml, setup.py or .git): module names are relative to it
        self.root = root
        self.display_root = display_root or root  # report paths and NewFile.relpath are relative to it
        self.files = files
        self.pool = pool or WorkerPool(jobs)
        self.jobs = self.pool.jobs
        self._owns_pool = pool is None
        self.failures: list[Failure] = []
        self.current_transform = ""
        # called as (files done, files in this pass); the engine folds it into the run's one bar
        self.on_progress: Callable[[int, int], None] = lambda done, total: None
        self._by_module = {source.module: source for source in files if source.module}
        self._by_relpath = {source.relpath: source for source in files}
        self._rooted: dict[str, SourceFile] | None = None
        self._namespaced: dict[str, SourceFile] | None = None
        self._facts: dict[str, ModuleFacts] = {}
        self._model: SemanticModel | None = None
        self._package_styles: dict[str, str] = {}  # top package -> how its code imports its modules

    # -- lookup -------------------------------------------------------------------------------

    def files_containing(self, *needles: bytes, ignore_case: bool = False) -> list[SourceFile]:
        """Files whose raw bytes contain any needle: the prefilter that keeps runs cheap."""
        if not needles:
            return []
        if ignore_case:
            lowered = tuple(needle.lower() for needle in needles)
            return [f for f in self.files if any(n in f.data.lower() for n in lowered)]
        return [f for f in self.files if f.contains(*needles)]

    def data_files(self, *suffixes: str) -> list[Path]:
        """Non-Python files of the project (`.sql`, …), found with discovery's rules; never edited."""
        return discovery.data_files(self.root, suffixes)

    def find_module(self, module: str) -> SourceFile | None:
        """The file of a module, by its name; failing that, by the name it has when the folder of
        a top-level package is itself the source root (`server/services/x.py`, a package, imported
        as `services.x` by code run from `server/`), or by its path from the project's folder when
        folders above its package have no `__init__.py` (`app.ai.x` for the package `ai` in `app/`)."""
        found = self._by_module.get(module)
        if found is not None or not module:
            return found
        return self._rooted_modules().get(module) or self._namespace_modules().get(module)

    def names_of(self, source: SourceFile) -> list[str]:
        """Every module name `find_module` answers with `source`: its own first."""
        others = [*self._rooted_modules().items(), *self._namespace_modules().items()]
        return [source.module, *(name for name, found in others if found is source and name != source.module)]

    def namespace_prefix(self, importer: SourceFile) -> str:
        """The namespace folders (`app.`) the importer's own absolute imports put before the names of
        the project's packages (`from app.services.users import x` for the package `services` in a
        folder `app/` without `__init__.py`); '' when they put none. Read off the import lines of
        its text (no tree is built or kept: it is asked of files no transform otherwise parses)."""
        spelled = self._namespace_modules()
        if not spelled:
            return ""
        for found in TOP_LEVEL_IMPORT.finditer(importer.data):
            parts = (found.group(1) or found.group(2)).decode("ascii", "replace").split(".")
            for end in range(len(parts), 1, -1):
                prefix = self._namespace_spelling(".".join(parts[:end]))
                if prefix is not None:
                    return prefix
        return ""

    def _namespace_spelling(self, name: str) -> str | None:
        """The namespace folders (`app.`) before a module's own name when `name` spells a project
        module that way (`app.ai.client` for `ai.client`); None when `name` is no such spelling."""
        spelled = self._namespace_modules().get(name)
        if spelled is None or self._by_module.get(name) is not None:
            return None
        return name[: len(name) - len(spelled.module)]

    def _namespace_modules(self) -> dict[str, SourceFile]:
        """Files by their dotted path from the project's folder, where that differs from their module
        name because a folder above their package has no `__init__.py`: `app/ai/client.py` in the
        package `ai` is also `app.ai.client`, as code run from the project's folder imports it
        (`app` a namespace package). Two files with one such name give no answer."""
        if self._namespaced is None:
            named: dict[str, SourceFile] = {}
            clashes: set[str] = set()
            for source in self.files:
                parts = PurePosixPath(source.relpath).with_suffix("").parts
                if parts and parts[-1] == "__init__":
                    parts = parts[:-1]
                name = ".".join(parts)
                if not source.module or name == source.module or not all(p.isidentifier() for p in parts):
                    continue
                if not name.endswith(f".{source.module}"):
                    continue  # a name from the file's own package down only: no other layout guessed
                if name in named or name in self._by_module:
                    clashes.add(name)
                named[name] = source
            self._namespaced = {name: source for name, source in named.items() if name not in clashes}
        return self._namespaced

    def _rooted_modules(self) -> dict[str, SourceFile]:
        if self._rooted is None:
            tops = {name.split(".")[0] for name in self._by_module}
            rooted: dict[str, SourceFile] = {}
            clashes: set[str] = set()
            for name, source in self._by_module.items():
                _, _, rest = name.partition(".")
                if not rest or rest.split(".")[0] in tops or rest.split(".")[0] in STDLIB_MODULES:
                    continue  # that name means the top-level (or standard library) module, not this one
                if rest in rooted:
                    clashes.add(rest)  # two packages offer it: not one answer
                rooted[rest] = source
            self._rooted = {name: source for name, source in rooted.items() if name not in clashes}
        return self._rooted

    def import_root(self, source: SourceFile) -> Path:
        """The folder the application runs from: the file's own folder when it is no package and
        the file imports a module beside it by its bare name (`import database`, run as
        `uvicorn main:app` from `service/api`); else the folder its module name starts from."""
        for node in walk_ast(source.ast):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if any(sibling_target(source, name) != name for name in names):
                return source.path.parent
        depth = len(source.module.split(".")) - (0 if source.is_package else 1) if source.module else 0
        return source.path.parents[depth]

    def import_name(self, importer: SourceFile, module: str) -> str:
        """How `importer` spells an absolute import of the project module `module`: by its name,
        without its top package when the code of that package imports its modules rooted in its
        folder (`from services.x import y` in `server/api/z.py`, run from `server/`), or with the
        folders above it when they are namespace folders the code names (`from app.ai.x import y`
        for the package `ai` in `app/`, run from the project's folder). The importer's own imports
        decide; without any, those of the package's other modules."""
        top, _, rest = module.partition(".")
        if not rest:
            return module
        style = self._import_style(importer, top)
        if style is None:
            if top not in self._package_styles:
                # only files already parsed vote: a vote is not worth parsing the package for
                votes = [
                    self._import_style(f, top)
                    for f in self.files
                    if f.module.startswith(f"{top}.") and "ast" in f.__dict__
                ]
                cast = [vote for vote in votes if vote]
                self._package_styles[top] = max(["full", *sorted(set(cast))], key=cast.count) if cast else "full"
            style = self._package_styles[top]
        if style.startswith("namespace:"):
            return style.removeprefix("namespace:") + module
        return rest if style == "rooted" else module

    def _import_style(self, importer: SourceFile, top: str) -> str | None:
        """'rooted' or 'full': how the importer's top-level imports name modules of package `top`."""
        try:
            body = importer.ast.body
        except SourceError:
            return None
        for node in body:
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if self._by_module.get(name) is not None and name.split(".")[0] == top:
                    return "full"
                rooted = self._rooted_modules().get(name)
                if self._by_module.get(name) is None and rooted is not None and rooted.module == f"{top}.{name}":
                    return "rooted"
                prefix = self._namespace_spelling(name)
                if prefix is not None and name[len(prefix) :].split(".")[0] == top:
                    return "namespace:" + prefix  # "app." for `app.ai.x`
        return None

    def path_for_module(self, module: str) -> Path:
        """Where a new module `module` goes: beside the `__init__.py` of its package (module names
        follow the packages, which may sit below the project's folder), else under the root."""
        package, _, leaf = module.rpartition(".")
        for source in self.files:
            if package and source.module == package and source.is_package:
                return source.path.parent / f"{leaf}.py"
        return self.root.joinpath(*module.split(".")).with_suffix(".py")

    def find_file(self, relpath: str) -> SourceFile | None:
        return self._by_relpath.get(relpath)

    def relpath_for(self, path: Path) -> str:
        """The report path (relative to the display root) of a file to create at `path`."""
        try:
            return path.relative_to(self.display_root).as_posix()
        except ValueError:
            return path.as_posix()

    def packages(self) -> list[str]:
        """Top-level packages of the project (folders with an __init__.py), for placing new modules."""
        return sorted({f.module.split(".")[0] for f in self.files if f.is_package and f.module})

    # -- work ---------------------------------------------------------------------------------

    def map(self, function: Callable[[SourceFile], T], files: Iterable[SourceFile]) -> list[Mapped[T]]:
        """`function(file)` for each file, in parallel processes when worth it.

        A file whose call raises is recorded in `self.failures` and left out of the result.
        `function` must be picklable: a module-level function or a bound method of a transform.
        """
        files = list(files)
        outcomes: Iterator[tuple[bool, object]]
        if self.jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
            outcomes = iter(_run_batch(function, files))
        else:
            batches = [files[i : i + BATCH_SIZE] for i in range(0, len(files), BATCH_SIZE)]
            executor = self.pool.executor()
            per_batch = executor.map(_run_batch, [function] * len(batches), batches)
            outcomes = (outcome for batch in per_batch for outcome in batch)
        results: list[Mapped[T]] = []
        for done, (source, (ok, value)) in enumerate(zip(files, outcomes), 1):
            if done % BATCH_SIZE == 0 or done == len(files):
                self.on_progress(done, len(files))
            if ok:
                results.append(Mapped(source, value))  # type: ignore[arg-type]
            else:
                failure = Failure(source.relpath, str(value), self.current_transform)
                if failure not in self.failures:  # several steps of one transform may read the file
                    self.failures.append(failure)
        return results

    def index(self, files: Iterable[SourceFile] | None = None) -> ProjectIndex:
        """A name index over `files` (default: every file). Facts are cached across transforms
        for files no transform has changed."""
        wanted = list(self.files if files is None else files)
        missing = [f for f in wanted if f.relpath not in self._facts]
        for mapped in self.map(module_facts, missing):
            self._facts[mapped.source.relpath] = mapped.value
        return ProjectIndex(self._facts[f.relpath] for f in wanted if f.relpath in self._facts)

    def index_on_demand(self) -> ProjectIndex:
        """The name layer of the semantic model: `index()` over the whole project, reading a module
        only when a resolution reaches it."""
        return self.model().index

    def model(self) -> SemanticModel:
        """The one semantic model of the project (names, values, calls, raises), cached until a
        transform changes a file."""
        if self._model is None:
            from fixit_codemods.model import SemanticModel  # the model imports this module

            index = ProjectIndex(())
            index.modules = ModulesOnDemand(self)
            self._model = SemanticModel(self, index)
        return self._model

    def replace(self, source: SourceFile) -> None:
        """Record a file's new content (or a new file) so later transforms see it."""
        old = self._by_relpath.get(source.relpath)
        if old is not None:
            self.files[self.files.index(old)] = source
        else:
            self.files.append(source)
            self.files.sort(key=lambda f: f.relpath)
        self._by_relpath[source.relpath] = source
        if source.module:
            self._by_module[source.module] = source
        self._rooted = None
        self._namespaced = None
        self._facts.pop(source.relpath, None)
        self._model = None  # its answers may depend on the old content

    def close(self) -> None:
        if self._owns_pool:
            self.pool.close()
