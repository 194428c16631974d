"""The list of repositories a batch runs on, validated before any work starts.

A text manifest has one repository a line; blank lines and `#` comments are ignored:

    # LOCATION[@REF][#FOLDER]
    https://github.com/acme/billing.git
    git@github.com:acme/search.git@release-2.1
    ssh://git@gitlab.example.com/platform/mono.git#services/api   # a monorepo folder
    ../checkouts/payments

A comment starts with `#` at the start of a line or after a space; a `#` right after the location
names a folder, and the last `@` after the start of the path names a ref (the user in `git@host:`
or `ssh://git@host/` is not a ref). A TOML manifest (`*.toml`) has one `[[repo]]` table per
repository, with `url`, optional `ref`, `path` (the folder), `branch`, and per-repository
transform options:

    [[repo]]
    url = "https://github.com/acme/billing.git"
    ref = "main"
    path = "services/api"
    [repo.options.timeouts]
    timeout = 30

Locations are restricted to what a batch can clone safely: `https://`, `ssh://`, `user@host:path`
(scp-like, as `git@github.com:org/repo.git`), `file://` and local paths (relative ones are relative
to the manifest's folder). Remote-helper transports (`ext::`, `fd::`, …) can run commands and are
refused, and so is anything starting with `-`, which git would read as an option. Every problem is
reported with its line number, all at once.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from fixit_codemods.api import ConfigError
from fixit_codemods.config import load_toml
from fixit_codemods.gitops import branch_name_problem

ALLOWED_SCHEMES = ("https", "ssh", "file")
ACCEPTED = "https://, ssh://, git@host:path, file:// or a local path"
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._~-]+)@(?P<host>[^/:@]+|\[[0-9A-Fa-f:.]+\]):(?P<path>.*)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOML_TABLE = re.compile(r"^\s*\[\[\s*repo\s*\]\]")
TOML_KEYS = {"url", "ref", "path", "branch", "options"}


class ManifestError(ConfigError):
    """The manifest has mistakes; `problems` holds one `FILE:LINE: message` per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid manifest:\n" + "\n".join(f"  {problem}" for problem in problems))
        self.problems = problems


@dataclass
class ManifestEntry:
    """One repository (or one folder of a monorepo) to remediate."""

    repo: str  # as written in the manifest: the key of the report's records
    location: str  # what git clones: a URL, or an absolute local path
    line: int
    ref: str | None = None  # None: the remote's default branch
    subdir: str | None = None  # a folder of the repository (POSIX), None for the whole repository
    branch: str | None = None  # TOML only: a branch name for this repository
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # TOML only: {transform: {key: value}}

    @property
    def identity(self) -> tuple[str, str | None, str | None]:
        return (self.location, self.ref, self.subdir)


class _Problems:
    """Collects `FILE:LINE: message` strings, so a manifest's mistakes are all shown at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, line: int, message: str) -> None:
        self.items.append(f"{self.path}:{line}: {message}")


def load_manifest(path: Path) -> list[ManifestEntry]:
    """The entries of the manifest at `path`; raises ManifestError listing every mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError([f"{path}: cannot read the manifest: {error}"]) from None
    problems = _Problems(path)
    if path.suffix.lower() == ".toml":
        entries = _toml_entries(path, text, problems)
    else:
        entries = _text_entries(text, path.parent, problems)
    _check_duplicates(entries, problems)
    if not entries and not problems.items:
        problems.add(1, "no repositories listed")
    if problems.items:
        raise ManifestError(problems.items)
    return entries


# -- text manifests -----------------------------------------------------------------------------


def _strip_comment(line: str) -> str:
    """The line without a trailing ` # comment`; a `#` glued to the location names a folder."""
    match = re.search(r"\s#", line)
    return (line[: match.start()] if match else line).strip()


def _text_entries(text: str, base: Path, problems: _Problems) -> list[ManifestEntry]:
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        written = _strip_comment(stripped)
        if re.search(r"\s", written):
            problems.add(number, f"one repository a line: {written!r} contains a space")
            continue
        location_and_ref, _, subdir = written.partition("#")
        location, ref = split_ref(location_and_ref)
        entry = _entry(written, location, number, ref, subdir if "#" in written else None, base, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def split_ref(text: str) -> tuple[str, str | None]:
    """`LOCATION@REF` into its parts. The `@` of a user (`git@host:`, `ssh://git@host/`) is not a ref:
    only an `@` after the start of the path counts."""
    path_start = 0
    scheme = _SCHEME.match(text)
    if scheme:
        slash = text.find("/", scheme.end())
        path_start = slash if slash >= 0 else len(text)
    elif _SCP_LIKE.match(text):
        path_start = text.index(":")
    at = text.rfind("@")
    if at < path_start:
        return text, None
    return text[:at], text[at + 1 :]


# -- TOML manifests -----------------------------------------------------------------------------


def _toml_entries(path: Path, text: str, problems: _Problems) -> list[ManifestEntry]:
    try:
        document = load_toml(path)
    except ConfigError as error:
        problems.items.append(str(error))
        return []
    table_lines = [n for n, line in enumerate(text.splitlines(), 1) if _TOML_TABLE.match(line)]
    for key in sorted(set(document) - {"repo"}):
        problems.add(_line_of_key(text, key), f"unknown key {key!r}: a TOML manifest holds [[repo]] tables")
    tables = document.get("repo", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.add(_line_of_key(text, "repo"), "`repo` must be an array of tables: write [[repo]]")
        return []
    entries = []
    for index, table in enumerate(tables):
        number = table_lines[index] if len(table_lines) == len(tables) else _line_of_key(text, "repo")
        entry = _toml_entry(table, number, path.parent, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _line_of_key(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"^\s*(\[+\s*)?{re.escape(key)}\b", line):
            return number
    return 1


def _toml_entry(table: dict[str, Any], number: int, base: Path, problems: _Problems) -> ManifestEntry | None:
    unknown = sorted(set(table) - TOML_KEYS)
    if unknown:
        problems.add(number, f"unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(sorted(TOML_KEYS))})")
        return None
    strings = {key: table.get(key) for key in ("url", "ref", "path", "branch")}
    wrong = [key for key, value in strings.items() if value is not None and not isinstance(value, str)]
    if wrong or not strings["url"]:
        problems.add(number, f"{', '.join(wrong) or 'url'} must be {'strings' if wrong else 'given'}")
        return None
    options = _toml_options(table.get("options", {}), number, problems)
    entry = _entry(strings["url"], strings["url"], number, strings["ref"], strings["path"], base, problems)
    if entry is None or options is None:
        return None
    entry.options = options
    if strings["branch"] is not None:
        problem = branch_name_problem(strings["branch"])
        if problem:
            problems.add(number, f"invalid branch name {strings['branch']!r}: {problem}")
            return None
        entry.branch = strings["branch"]
    return entry


def _toml_options(value: Any, number: int, problems: _Problems) -> dict[str, dict[str, Any]] | None:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        problems.add(number, "options must be tables, one per transform: [repo.options.<transform>]")
        return None
    return {name: dict(settings) for name, settings in value.items()}


# -- validation shared by both formats ------------------------------------------------------------


def _entry(
    written: str, location: str, number: int, ref: str | None, subdir: str | None, base: Path, problems: _Problems
) -> ManifestEntry | None:
    checks: list[tuple[str | None, Callable[[str], str | None]]] = [
        (location, location_problem), (ref, ref_problem), (subdir, subdir_problem)
    ]
    for value, check in checks:
        problem = check(value) if value is not None else None
        if problem:
            problems.add(number, f"{written!r}: {problem}")
            return None
    folder = str(PurePosixPath(subdir.strip("/"))) if subdir else None
    return ManifestEntry(written, _clone_location(location, base), number, ref, None if folder == "." else folder)


def location_problem(location: str) -> str | None:
    """Why `location` is not a repository a batch may clone, else None."""
    if not location:
        return "no repository location"
    if _CONTROL.search(location):
        return "contains a control character"
    if location.startswith("-"):
        return "starts with '-' (git would read it as an option)"
    scheme = _SCHEME.match(location)
    if "::" in location.split("/", 1)[0] and not scheme:
        return f"remote-helper transports ({location.split('::', 1)[0]}::) can run commands; use {ACCEPTED}"
    if scheme:
        return _url_problem(location, scheme.group("scheme").lower())
    scp = _SCP_LIKE.match(location)
    if scp:
        if scp.group("host").startswith("-") or scp.group("path").startswith("-"):
            return "a host or path starting with '-' is refused (git would read it as an option)"
        return None if scp.group("path") else "no path after ':'"
    if ":" in location.split("/", 1)[0]:
        return f"{location!r} would be read as host:path; write git@host:path or ssh://host/path ({ACCEPTED})"
    return None


def _url_problem(location: str, scheme: str) -> str | None:
    if scheme not in ALLOWED_SCHEMES:
        return f"unsupported scheme {scheme}://; use {ACCEPTED}"
    try:
        parts = urllib.parse.urlsplit(location)
        hostname, _ = parts.hostname, parts.port  # parsed lazily: a bad port or IPv6 host fails here
    except ValueError as error:
        return f"not a valid URL ({error})"
    if scheme == "file":
        return None if parts.path else "file:// without a path"
    if not hostname:
        return f"{scheme}:// without a host"
    if hostname.startswith("-") or (parts.username or "").startswith("-"):
        return "a host or user starting with '-' is refused (git would read it as an option)"
    return None if parts.path.strip("/") else "no repository path after the host"


def ref_problem(ref: str) -> str | None:
    if not ref:
        return "`@` without a ref after it"
    problem = branch_name_problem(ref)
    return f"invalid ref {ref!r}: {problem}" if problem else None


def subdir_problem(subdir: str) -> str | None:
    if not subdir:
        return "`#` without a folder after it"
    if subdir.startswith("-"):
        return f"folder {subdir!r} starts with '-'"
    if _CONTROL.search(subdir) or "\\" in subdir:
        return f"folder {subdir!r} contains a control character or a backslash"
    if subdir.startswith("/") or ".." in PurePosixPath(subdir).parts:
        return f"folder {subdir!r} must be relative to the repository root, without '..'"
    return None


def _clone_location(location: str, base: Path) -> str:
    """URLs as written; local paths made absolute, relative to the manifest's folder."""
    if _SCHEME.match(location) or _SCP_LIKE.match(location):
        return location
    return os.path.abspath(base / os.path.expanduser(location))


def _check_duplicates(entries: list[ManifestEntry], problems: _Problems) -> None:
    first_line: dict[tuple[str, str | None, str | None], int] = {}
    for entry in entries:
        seen = first_line.setdefault(entry.identity, entry.line)
        if seen != entry.line:
            problems.add(entry.line, f"{entry.repo!r} is listed twice (first on line {seen})")
