"""Which files a run looks at: Python files under the given paths, minus what a user would not want touched.

Honours `.gitignore` files (every level, via pathspec's git-compatible matcher), `--exclude` /
`--include` globs, and skips virtual environments, site-packages, build output, caches and files
marked generated. A path given explicitly on the command line is always taken, as ruff does.
"""

from __future__ import annotations

import functools
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pathspec
from fixit_codemods.index import sibling_module

SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".env",
        "env",
        "site-packages",
        "dist-packages",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        ".eggs",
        "__pypackages__",
        ".fixit-batch",
    }
)
# Explicit markers only, in the file's header (its leading comments and module docstring): a file
# that merely mentions code generation is still the user's code.
GENERATED_MARKERS = (b"@generated", b"do not edit")
GENERATED_HEAD_BYTES = 4096


@dataclass
class DiscoveryProblem:
    path: str
    message: str


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    problems: list[DiscoveryProblem] = field(default_factory=list)


def is_generated(head: bytes) -> bool:
    """`@generated` or a "do not edit" line (any case) in the header: the comment lines and the
    module docstring before the first statement, as protoc, sqlc, Thrift and Meta's tools write it."""
    return any(marker in line.lower() for line in _header_lines(head) for marker in GENERATED_MARKERS)


def _header_lines(head: bytes) -> Iterable[bytes]:
    docstring_quote: bytes | None = None
    for line in head.splitlines():
        stripped = line.strip()
        if docstring_quote is not None:
            yield line
            if docstring_quote in stripped:
                docstring_quote = None
            continue
        if not stripped or stripped.startswith(b"#"):
            yield line
            continue
        body = stripped.lstrip(b"rRuUbB")
        quote = next((q for q in (b'"""', b"'''", b'"', b"'") if body.startswith(q)), None)
        if quote is None:
            return  # the first statement: the header is over
        yield line
        if len(quote) == 3 and body.count(quote) < 2:
            docstring_quote = quote


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


@dataclass(frozen=True)
class Patterns:
    """`--include`/`--exclude` globs and `[tool.fixit-codemods]` ones, in one dialect: .gitignore's
    (pathspec), relative to the folder they were written for (the PATH for the command line, the
    pyproject.toml's folder for configuration). `tests` or `gen_*.py` match at any depth,
    `app/services/*` only below that folder."""

    base: Path
    spec: pathspec.PathSpec
    globs: tuple[str, ...]

    @classmethod
    def of(cls, base: Path, globs: Iterable[str]) -> Patterns:
        globs = tuple(globs)
        return cls(Path(os.path.abspath(base)), pathspec.GitIgnoreSpec.from_lines(globs), globs)

    def matches(self, path: Path, is_dir: bool = False) -> bool:
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        return self.spec.match_file(relative + ("/" if is_dir else ""))


def _patterns(base: Path, given: Iterable[str | Patterns]) -> tuple[Patterns, ...]:
    plain = [glob for glob in given if isinstance(glob, str)]
    sets = [glob for glob in given if isinstance(glob, Patterns)]
    return (*sets, Patterns.of(base, plain)) if plain else tuple(sets)


def _matches_any(path: Path, patterns: tuple[Patterns, ...], is_dir: bool = False) -> bool:
    return any(p.matches(path, is_dir) for p in patterns)


class _GitIgnores:
    """Every .gitignore from `top` down to a folder, each matched relative to its own folder.

    The specs that apply in a folder are worked out once per folder (its parent's plus its own),
    not once per file: discovery of a large tree must cost little more than listing it."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self.chains: dict[Path, tuple[tuple[Path, pathspec.PathSpec], ...]] = {}

    @staticmethod
    def _own_spec(directory: Path) -> pathspec.PathSpec | None:
        ignore_file = directory / ".gitignore"
        if not ignore_file.is_file():
            return None
        try:
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
            return pathspec.GitIgnoreSpec.from_lines(lines)
        except (OSError, ValueError):
            return None

    def _chain(self, directory: Path) -> tuple[tuple[Path, pathspec.PathSpec], ...]:
        chain = self.chains.get(directory)
        if chain is None:
            at_top = (
                directory == self.top or directory.parent == directory or self.top not in directory.parents
            )
            chain = () if at_top else self._chain(directory.parent)
            spec = self._own_spec(directory)
            if spec is not None:
                chain = (*chain, (directory, spec))
            self.chains[directory] = chain
        return chain

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for folder, spec in self._chain(path.parent):
            relative = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
            if spec.match_file(relative):
                return True
        return False


def find_git_root(path: Path) -> Path | None:
    current = path if path.is_dir() else path.parent
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def discover(
    paths: Iterable[Path],
    root: Path,
    include: Iterable[str | Patterns] = (),
    exclude: Iterable[str | Patterns] = (),
) -> Discovery:
    """Python files under `paths`, sorted, de-duplicated; problems for paths that cannot be read.
    Plain glob strings in `include`/`exclude` are relative to `root`."""
    includes = _patterns(root, tuple(include))
    excludes = _patterns(root, tuple(exclude))
    _is_package.cache_clear()  # a cache for one run: files may have been created since the last
    sibling_module.cache_clear()
    result = Discovery()
    seen: set[Path] = set()
    git_root = find_git_root(root)
    ignores = _GitIgnores(git_root or root)

    def relative(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    def take(path: Path, shown: str) -> None:
        # only a link can make two paths one file; overlapping PATHs give equal absolute paths
        identity = path.resolve() if path.is_symlink() else path
        if identity in seen:
            return
        odd = _not_regular(path)
        if odd:  # a named pipe would block the run forever, a device is no source
            result.problems.append(DiscoveryProblem(shown, f"not a regular file ({odd}): skipped"))
            return
        seen.add(identity)
        result.files.append(path)

    for given in paths:
        path = Path(os.path.abspath(given))
        if not path.exists() and not path.is_symlink():
            result.problems.append(DiscoveryProblem(str(given), "no such file or directory"))
            continue
        if path.is_file() or (path.is_symlink() and not path.is_dir()):
            try:
                path.resolve(strict=True)
            except (OSError, RuntimeError) as error:
                result.problems.append(DiscoveryProblem(str(given), f"cannot follow link: {error}"))
                continue
            if path.suffix != ".py" and not _has_python_shebang(path):
                result.problems.append(
                    DiscoveryProblem(str(given), "not a Python file (no .py suffix, no python shebang): skipped")
                )
                continue
            take(path, str(given))  # explicit Python files are always taken
            continue
        for directory, subdirectories, filenames in os.walk(path, followlinks=False, onerror=None):
            here = Path(directory)
            subdirectories[:] = _folders_to_enter(here, subdirectories, ignores, excludes)
            for name in sorted(filenames):
                if not name.endswith(".py"):  # stubs (.pyi) are not code to repair
                    continue
                child = here / name
                rel = relative(child)
                if _matches_any(child, excludes) or ignores.ignored(child, False):
                    continue
                if includes and not _matches_any(child, includes):
                    continue
                if child.is_symlink():
                    try:
                        child.resolve(strict=True)
                    except (OSError, RuntimeError) as error:
                        result.problems.append(DiscoveryProblem(rel, f"cannot follow link: {error}"))
                        continue
                take(child, rel)
    result.files.sort()
    return result


def _folders_to_enter(
    here: Path, names: Iterable[str], ignores: _GitIgnores, excludes: tuple[Patterns, ...]
) -> list[str]:
    """The subfolders a walk goes into: not environments, caches or build output, not links, not
    excluded or .gitignore'd."""
    kept = []
    for name in sorted(names):
        child = here / name
        if name in SKIPPED_DIRECTORIES or name.endswith(".egg-info") or _is_virtualenv(child):
            continue
        if child.is_symlink() or _matches_any(child, excludes, True) or ignores.ignored(child, True):
            continue
        kept.append(name)
    return kept


def data_files(root: Path, suffixes: tuple[str, ...], limit: int = 1000) -> list[Path]:
    """Files under `root` with one of `suffixes` (SQL scripts, configuration) that a transform
    must know about but never edits: the folders discovery skips and .gitignore'd paths are left out."""
    found: list[Path] = []
    ignores = _GitIgnores(find_git_root(root) or root)
    for directory, subdirectories, filenames in os.walk(root, followlinks=False):
        here = Path(directory)
        subdirectories[:] = _folders_to_enter(here, subdirectories, ignores, ())
        for name in sorted(filenames):
            child = here / name
            if name.endswith(suffixes) and not ignores.ignored(child, False) and not _not_regular(child):
                found.append(child)
                if len(found) >= limit:
                    return found
    return found


def _not_regular(path: Path) -> str:
    """'' for a regular file (through links), else what it is."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"cannot stat: {error.strerror or error}"
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _has_python_shebang(path: Path) -> bool:
    """A script without the .py suffix: `#!/usr/bin/env python3`, `#!/usr/bin/python`."""
    if _not_regular(path):
        return False
    try:
        with path.open("rb") as handle:
            first = handle.readline(256)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def project_dir(path: Path, top: Path, cache: dict[Path, Path]) -> Path:
    """The folder of the Python project `path` belongs to: the nearest folder, from the file's own up
    to `top`, that holds a project marker (pyproject.toml, setup.py, setup.cfg, .git); else `top`.

    A monorepo run (`fixit apply all ./services`) thus treats each service as its own project: two
    services' `app.database` modules never meet in one index, and each gets its own scaffolds.
    """
    directory = path.parent
    visited: list[Path] = []
    found = top
    while True:
        if directory in cache:
            found = cache[directory]
            break
        visited.append(directory)
        if any((directory / marker).exists() for marker in PROJECT_MARKERS):
            found = directory
            break
        if directory == top or directory.parent == directory or top not in directory.parents:
            break
        directory = directory.parent
    for folder in visited:
        cache[folder] = found
    return found


@functools.lru_cache(maxsize=None)  # cleared by every discover()
def _is_package(directory: Path) -> bool:
    return (directory / "__init__.py").is_file()


def module_name(path: Path, root: Path) -> tuple[str, bool]:
    """Dotted module name of `path` and whether it is a package `__init__`.

    Walks up while the folder is a package (has `__init__.py`); when the file does not sit in a
    package, falls back to its path relative to `root` (namespace packages, src layouts).
    """
    is_package = path.name == "__init__.py"
    parts: list[str] = [] if is_package else [path.stem]
    directory = path.parent
    while _is_package(directory):
        parts.insert(0, directory.name)
        if directory.parent == directory:
            break
        directory = directory.parent
    if len(parts) <= 1 and not is_package:
        try:
            relative = path.relative_to(root).with_suffix("")
            parts = [part for part in relative.parts if part]
        except ValueError:
            pass
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    valid = all(part.isidentifier() for part in parts)
    return (".".join(parts) if valid else ""), is_package
