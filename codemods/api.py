"""The contract between the engine and a transform.

A transform is a small class. It knows nothing about files on disk, processes or git: the engine
hands it `SourceFile` objects (text already decoded) and a `Project` to ask project-wide questions,
and it answers with `FileRewrite`s (new text plus the sites it touched or left for review) and,
for project-wide repairs, `NewFile`s.

Life of one transform in one run:

1. `__init__(options)` — options are validated against `Transform.options`; unknown keys raise
   `ConfigError` (exit code 2).
2. `plan(project)` — main process, optional. Collect project-wide facts (definitions, aliases,
   raise sites), usually with `project.map(...)` over `project.files_containing(...)`, and store
   what the rewrite needs on `self` (it must stay picklable: it is sent to worker processes).
3. `candidates(project)` — the files worth parsing. Default: files whose bytes contain one of
   `triggers`. Everything else is never decoded or parsed.
4. `rewrite(source)` — worker process, once per candidate. Return `None` or a `FileRewrite`.
5. `new_files(project)` — main process, optional: files to create (scaffolds, modules).
6. `report_notes()` — main process, optional: run-level remarks for the summary and commit message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, Sequence

if TYPE_CHECKING:
    from fixit_codemods.project import Project
    from fixit_codemods.sources import SourceFile


class ConfigError(Exception):
    """A usage or configuration mistake: bad option, unknown transform. Exit code 2."""


class Safety(str, enum.Enum):
    """As in ruff: a safe fix keeps behaviour; an unsafe one changes it in a way a reviewer must accept."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Action(str, enum.Enum):
    CHANGED = "changed"  # the site was rewritten
    REVIEW = "review"  # the site looks like the defect, but was left alone: a person must decide
    SKIPPED = "skipped"  # the site was seen and deliberately left alone (already fixed, out of scope)


@dataclass(frozen=True)
class Site:
    """One place in one file that a transform changed or looked at."""

    line: int  # 1-based, in the file as it was before the transform
    column: int  # 0-based, in characters (as LibCST's PositionProvider reports it)
    action: Action
    message: str
    path: str = ""  # filled in by the engine (path relative to the display root)
    transform: str = ""  # filled in by the engine


@dataclass
class FileRewrite:
    """What a transform made of one file. `text` is None when the file is unchanged."""

    text: str | None
    sites: list[Site] = field(default_factory=list)


@dataclass(frozen=True)
class NewFile:
    """A file to create, `relpath` relative to the project root (POSIX separators)."""

    relpath: str
    text: str


@dataclass(frozen=True)
class Option:
    """A transform option, settable by `--option NAME.KEY=VALUE` or `[tool.fixit-codemods.NAME]`."""

    default: Any
    help: str
    parse: Callable[[Any], Any] = str


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got `{value}`")


def parse_list(value: Any) -> tuple[str, ...]:
    """A list option: a TOML array, or a comma-separated string on the command line."""
    if isinstance(value, (list, tuple)):
        return tuple(str(item).strip() for item in value if str(item).strip())
    return tuple(item.strip() for item in str(value).split(",") if item.strip())


class Transform:
    """Base class of every transform. Subclasses set the class attributes and override `rewrite`.

    The class docstring is what `fixit explain` prints: which defect it repairs, why, and what
    it will not touch.
    """

    name: ClassVar[str]
    summary: ClassVar[str]  # one line, for `fixit list` and commit subjects
    safety: ClassVar[Safety] = Safety.SAFE
    # Byte strings; a file whose bytes contain none of them is never parsed for the rewrite.
    triggers: ClassVar[tuple[bytes, ...]] = ()
    options: ClassVar[Mapping[str, Option]] = {}
    example_before: ClassVar[str] = ""
    example_after: ClassVar[str] = ""
    # Why the defect matters, for commit messages and PR bodies (one paragraph).
    rationale: ClassVar[str] = ""
    # Behaviour changes a reviewer must know about whenever this transform changes something.
    behaviour_change: ClassVar[str] = ""
    # Subject for the commit, formatted with {sites} (number of sites changed).
    commit_subject: ClassVar[str] = "apply {sites} fixes"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.settings: dict[str, Any] = {key: spec.default for key, spec in self.options.items()}
        for key, value in (options or {}).items():
            spec = self.options.get(key)
            if spec is None:
                known = ", ".join(sorted(self.options)) or "none"
                raise ConfigError(f"{self.name}: unknown option `{key}` (known: {known})")
            try:
                self.settings[key] = spec.parse(value)
            except (TypeError, ValueError) as error:
                raise ConfigError(f"{self.name}: bad value for option `{key}`: {error}") from error

    # -- the phases -------------------------------------------------------------------------

    def before_reading(self, root: Path) -> None:
        """Called once at the start of a run, in the main process, before its files under `root`
        are found and read: start what the run will likely need, to get it ready on another core
        meanwhile, and for the worker processes forked later to share. Default: nothing."""

    def after_reading(self, projects: Mapping[Path, Sequence[SourceFile]]) -> None:
        """Called once, in the main process, when the files are read (root -> files of each
        project), before any project runs: stop what `before_reading` started that no project
        needs. Default: nothing."""

    def plan(self, project: Project) -> None:
        """Collect project-wide facts before any rewrite. Default: nothing to collect."""

    def candidates(self, project: Project) -> Iterable[SourceFile]:
        return project.files_containing(*self.triggers)

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        raise NotImplementedError

    def new_files(self, project: Project) -> list[NewFile]:
        return []

    def report_notes(self) -> list[str]:
        """Run-level remarks (e.g. 'run `alembic stamp head` once'), shown after the summary."""
        return []
