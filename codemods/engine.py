"""The run: discover files, read them once, run each transform's phases, collect one changeset.

The engine knows nothing about any one transform. Transforms run one after another, each seeing
the files as the previous one left them, so that each transform's changes can become a commit of
its own. Nothing is written here: `fixit_codemods.writer` writes a validated changeset.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from fixit_codemods.api import Action, ConfigError, NewFile, Site, Transform
from fixit_codemods.comments import comments_unchanged, keep_comments_in_text
from fixit_codemods.discovery import (
    GENERATED_HEAD_BYTES,
    Patterns,
    discover,
    find_git_root,
    is_generated,
    module_name,
    project_dir,
)
from fixit_codemods.project import Failure, Project, WorkerPool, stop_if_interrupted
from fixit_codemods.sources import SourceError, SourceFile, check_parses


@dataclass
class FileChange:
    relpath: str  # relative to the display root (git root, else the project root)
    path: Path
    before: bytes | None  # None: the file is new
    after: bytes
    encoding: str = "utf-8"

    @property
    def is_new(self) -> bool:
        return self.before is None


@dataclass
class TransformResult:
    transform: Transform
    changes: dict[str, FileChange] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.transform.name

    def count(self, action: Action) -> int:
        return sum(1 for site in self.sites if site.action is action)


@dataclass
class RunResult:
    root: Path  # the project root: module names are relative to it
    display_root: Path  # paths in reports and diffs are relative to it
    transforms: list[TransformResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)  # discovery and reading
    scanned: int = 0
    generated_files: list[str] = field(default_factory=list)  # left out as generated (explicit markers)
    parsed: set[str] = field(default_factory=set)

    @property
    def generated(self) -> int:
        return len(self.generated_files)

    @property
    def skipped_by_prefilter(self) -> int:
        return self.scanned - len(self.parsed)

    @property
    def all_failures(self) -> list[Failure]:
        return self.failures + [f for result in self.transforms for f in result.failures]

    def changes(self) -> dict[str, FileChange]:
        """The combined changeset: each file from its original content to its final one."""
        combined: dict[str, FileChange] = {}
        for result in self.transforms:
            for relpath, change in result.changes.items():
                if relpath in combined:
                    combined[relpath] = FileChange(
                        relpath, change.path, combined[relpath].before, change.after, change.encoding
                    )
                else:
                    combined[relpath] = change
        return {k: v for k, v in sorted(combined.items()) if v.before != v.after}

    @property
    def sites(self) -> list[Site]:
        return [site for result in self.transforms for site in result.sites]


def project_root(paths: Sequence[Path]) -> Path:
    """The folder the run is about: the common parent of the given paths."""
    absolute = [Path(os.path.abspath(p)) for p in paths]
    folders = [p if p.is_dir() else p.parent for p in absolute]
    return Path(os.path.commonpath([str(f) for f in folders])) if folders else Path.cwd()


def load_sources(
    paths: Sequence[Path],
    root: Path,
    display_root: Path,
    include: Iterable[str | Patterns],
    exclude: Iterable[str | Patterns],
    include_generated: bool = False,
    overrides: Mapping[Path, bytes] | None = None,
) -> tuple[dict[Path, list[SourceFile]], list[Failure], list[str]]:
    """The files of the run, read once, grouped by the project each belongs to; and the files
    left out because their header marks them generated (unless `include_generated`).
    `overrides`: contents that stand in for files (a source read from stdin, maybe not on disk)."""
    overrides = overrides or {}
    found = discover(paths, root, include=include, exclude=exclude)
    found.files = sorted({*found.files, *overrides})
    failures = [Failure(problem.path, problem.message) for problem in found.problems]
    groups: dict[Path, list[SourceFile]] = {}
    projects: dict[Path, Path] = {}
    generated: list[str] = []
    for path in found.files:
        relpath = _relative(path, display_root)
        try:
            data = overrides[path] if path in overrides else path.read_bytes()
        except OSError as error:
            failures.append(Failure(relpath, f"cannot read: {error.strerror or error}"))
            continue
        if not include_generated and is_generated(data[:GENERATED_HEAD_BYTES]):
            generated.append(relpath)
            continue
        home = project_dir(path, root, projects)
        module, is_package = module_name(path, home)
        groups.setdefault(home, []).append(SourceFile(path, relpath, module, is_package, data))
    return groups, failures, generated


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


# (what the run is doing, steps done, steps in all): a step is one transform over one project, so
# a whole run is one bar; `done` may be fractional inside a step, and never goes back. A total of 0
# means "not known yet" (files are still being read).
ProgressCallback = Callable[[str, float, int], None]


class RunProgress:
    """The whole run's progress, from the engine's steps and the files done inside each step."""

    def __init__(self, report: ProgressCallback) -> None:
        self.report = report
        self.steps = 0
        self.done = 0.0
        self.within = 0.0
        self.stage = ""

    def reading(self) -> None:
        self.report("reading files", 0.0, 0)

    def start(self, steps: int) -> None:
        self.steps = steps
        self.report("starting", 0.0, steps)

    def step(self, stage: str) -> None:
        self.stage, self.within = stage, 0.0
        self.report(stage, self.done, self.steps)

    def files(self, done: int, total: int) -> None:
        # a transform reads its files in several passes: the bar follows the furthest one
        # (short of 1: the step counts as done only when the transform has finished with it)
        self.within = max(self.within, min(done / max(total, 1), 0.999))
        self.report(f"{self.stage}: {done}/{total} files", self.done + self.within, self.steps)

    def finish_steps(self, count: int = 1) -> None:
        self.done = min(self.done + count, float(self.steps))
        self.within = 0.0
        self.report(self.stage, self.done, self.steps)


class Engine:
    def __init__(
        self,
        transforms: Sequence[Transform],
        jobs: int = 0,
        include: Iterable[str | Patterns] = (),
        exclude: Iterable[str | Patterns] = (),
        on_progress: ProgressCallback | None = None,
        include_generated: bool = False,
        overrides: Mapping[Path, bytes] | None = None,
    ) -> None:
        self.transforms = list(transforms)
        self.include_generated = include_generated
        self.overrides = dict(overrides or {})
        self.jobs = jobs
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self.progress = RunProgress(on_progress or (lambda stage, done, total: None))

    def run(self, paths: Sequence[Path]) -> RunResult:
        root = project_root(paths)
        display_root = find_git_root(root) or root
        self.progress.reading()
        for transform in self.transforms:
            transform.before_reading(root)
        groups, failures, generated = load_sources(
            paths, root, display_root, self.include, self.exclude, self.include_generated, self.overrides
        )
        for transform in self.transforms:
            transform.after_reading(groups)
        scanned = sum(len(files) for files in groups.values())
        result = RunResult(root, display_root, failures=failures, scanned=scanned, generated_files=generated)
        pool = WorkerPool(self.jobs)
        outcomes = [TransformResult(transform) for transform in self.transforms]
        self.progress.start(len(groups) * len(self.transforms))
        try:
            if len(groups) > 1 and pool.jobs > 1:
                self._run_projects_in_parallel(groups, display_root, pool, outcomes, result)
            else:
                for home, files in sorted(groups.items()):
                    project = Project(home, files, display_root=display_root, pool=pool)
                    project.on_progress = self.progress.files
                    self._run_project(project, outcomes, result.parsed, fresh_copies=len(groups) > 1)
        finally:
            pool.close()
        result.transforms = outcomes
        return result

    def _run_project(
        self, project: Project, outcomes: list[TransformResult], parsed: set[str], fresh_copies: bool
    ) -> None:
        for outcome in outcomes:
            # what a transform plans is about one project: each project gets a fresh copy
            transform = copy.deepcopy(outcome.transform) if fresh_copies else outcome.transform
            self.progress.step(transform.name)
            self._run_transform(transform, project, parsed, outcome)
            self.progress.finish_steps()

    def _run_projects_in_parallel(
        self,
        groups: dict[Path, list[SourceFile]],
        display_root: Path,
        pool: WorkerPool,
        outcomes: list[TransformResult],
        result: RunResult,
    ) -> None:
        """Several projects (a monorepo's services): each runs whole in one worker process, so that
        many small projects use every core, where a project's own files are too few to split."""
        homes = sorted(groups)
        parts = pool.executor().map(
            _run_project_alone,
            [self.transforms] * len(homes),
            homes,
            [groups[home] for home in homes],
            [display_root] * len(homes),
        )
        self.progress.step(f"{len(homes)} projects")
        for project_outcomes, parsed in parts:
            self.progress.finish_steps(len(self.transforms))
            result.parsed.update(parsed)
            for outcome, part in zip(outcomes, project_outcomes):
                outcome.changes.update(part.changes)
                outcome.sites.extend(part.sites)
                outcome.notes.extend(note for note in part.notes if note not in outcome.notes)
                outcome.failures.extend(part.failures)

    def _run_transform(
        self, transform: Transform, project: Project, parsed: set[str], outcome: TransformResult
    ) -> None:
        project.current_transform = transform.name
        failures_before = len(project.failures)
        try:
            transform.plan(project)
        except ConfigError:
            raise  # an option that names nothing in the project: a usage error (exit 2)
        except RecursionError:  # valid code nested deeper than even the raised limit
            project.failures.append(Failure("", "nested too deeply to analyse; nothing changed"))
            self._collect_failures(project, failures_before, transform, outcome)
            return
        except Exception as error:  # a transform bug: this project is left alone, the run goes on
            stop_if_interrupted(error)
            project.failures.append(Failure("", f"internal error while planning, nothing changed: {error!r}"))
            self._collect_failures(project, failures_before, transform, outcome)
            return
        candidates = list(transform.candidates(project))
        parsed.update(source.relpath for source in candidates)
        for mapped in project.map(transform.rewrite, candidates):
            self._take_rewrite(transform, mapped.source, mapped.value, project, outcome)
        try:
            new_files = transform.new_files(project)
        except Exception as error:  # a transform bug must not lose the rewrites already made
            stop_if_interrupted(error)
            new_files = []
            project.failures.append(Failure("", f"internal error creating files: {error!r}", transform.name))
        for new_file in new_files:
            self._take_new_file(transform, new_file, project, outcome)
        outcome.notes.extend(note for note in transform.report_notes() if note not in outcome.notes)
        self._collect_failures(project, failures_before, transform, outcome)

    @staticmethod
    def _collect_failures(
        project: Project, since: int, transform: Transform, outcome: TransformResult
    ) -> None:
        failures = project.failures[since:]
        for failure in failures:
            failure.transform = transform.name
        outcome.failures.extend(failures)

    def _take_rewrite(
        self,
        transform: Transform,
        source: SourceFile,
        rewrite: object,
        project: Project,
        outcome: TransformResult,
    ) -> None:
        if rewrite is None:
            return
        sites = [
            Site(s.line, s.column, s.action, s.message, source.relpath, transform.name)
            for s in rewrite.sites  # type: ignore[attr-defined]
        ]
        text = rewrite.text  # type: ignore[attr-defined]
        if text is not None and text != source.text:
            text = _with_comments_kept(source, text)
            try:
                tree = check_parses(text, source.relpath)
                new_source = source.with_text(text, tree)
            except (SourceError, UnicodeEncodeError) as error:
                project.failures.append(Failure(source.relpath, f"change discarded: {error}"))
                return
            outcome.changes[source.relpath] = FileChange(
                source.relpath, source.path, source.data, new_source.data, source.encoding
            )
            project.replace(new_source)
        outcome.sites.extend(sites)

    def _take_new_file(
        self, transform: Transform, new_file: NewFile, project: Project, outcome: TransformResult
    ) -> None:
        path = project.display_root / new_file.relpath
        data = new_file.text.encode("utf-8")
        existing = project.find_file(new_file.relpath)
        before = existing.data if existing else (path.read_bytes() if path.is_file() else None)
        if before == data:
            return
        if new_file.relpath.endswith(".py"):
            try:
                check_parses(new_file.text, new_file.relpath)
            except SourceError as error:
                project.failures.append(Failure(new_file.relpath, f"new file discarded: {error}"))
                return
            module, is_package = module_name(path, project.root) if path.parent.exists() else ("", False)
            if not module:
                module = _module_from_relpath(path, project.root)
                is_package = path.name == "__init__.py"
            project.replace(SourceFile(path, new_file.relpath, module, is_package, data))
        previous = outcome.changes.get(new_file.relpath)
        outcome.changes[new_file.relpath] = FileChange(
            new_file.relpath, path, previous.before if previous else before, data
        )


def _with_comments_kept(source: SourceFile, text: str) -> str:
    """The rewrite's text with the comments it dropped from code it kept put back (see
    `fixit_codemods.comments`); the text as it is when the original cannot be read as a tree."""
    if comments_unchanged(source.text, text):
        return text
    try:
        source.check_round_trip()  # the comments are placed by the original tree's positions
        return keep_comments_in_text(source.cst, text)
    except (SourceError, RecursionError):
        return text


def _run_project_alone(
    transforms: Sequence[Transform], home: Path, files: list[SourceFile], display_root: Path
) -> tuple[list[TransformResult], set[str]]:
    """One project, whole, in a worker process (see Engine._run_projects_in_parallel)."""
    project = Project(home, files, jobs=1, display_root=display_root)
    # planned copies stay here: only the results (and the unplanned transforms) travel back
    outcomes = [TransformResult(transform) for transform in transforms]
    parsed: set[str] = set()
    Engine(transforms, jobs=1)._run_project(project, outcomes, parsed, fresh_copies=True)
    return outcomes, parsed


def _module_from_relpath(path: Path, root: Path) -> str:
    try:
        parts = list(path.relative_to(root).with_suffix("").parts)
    except ValueError:
        return ""
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) if all(p.isidentifier() for p in parts) else ""
