"""Small fake transforms and git helpers shared by tests/test_branches.py and tests/test_formats.py.

The fakes edit text line by line (they are test doubles, not codemods): enough to produce changed,
review and skipped sites, a new file, a run note and CRLF-preserving edits through the real engine.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fixit_codemods import registry
from fixit_codemods.api import Action, FileRewrite, NewFile, Safety, Site, Transform
from fixit_codemods.engine import Engine, RunResult


class RenameCalls(Transform):
    """Fake: renames `old_call(` to `new_call(`; leaves `review_me` for review."""

    name = "fake-rename"
    summary = "rename old_call to new_call"
    safety = Safety.UNSAFE
    triggers = (b"old_call", b"review_me", b"new_call")
    rationale = "old_call leaks a connection on every error, which exhausts the pool under load."
    behaviour_change = "new_call raises TimeoutError where old_call hung."
    commit_subject = "rename {sites} old_call calls"

    def rewrite(self, source: Any) -> FileRewrite | None:
        sites, lines = [], []
        for number, line in enumerate(source.text.splitlines(keepends=True), 1):
            if "old_call(" in line:
                sites.append(Site(number, line.index("old_call("), Action.CHANGED, "old_call replaced by new_call"))
                line = line.replace("old_call(", "new_call(")
            elif "new_call(" in line:
                sites.append(Site(number, line.index("new_call("), Action.SKIPPED, "already new_call"))
            if "review_me" in line:
                sites.append(Site(number, line.index("review_me"), Action.REVIEW, "review_me is dynamic: left alone"))
            lines.append(line)
        text = "".join(lines)
        return FileRewrite(text if text != source.text else None, sites)


class MarkDone(Transform):
    """Fake: turns TODO_MARK into DONE_MARK and creates marker_notes.py."""

    name = "fake-marker"
    summary = "mark things done"
    triggers = (b"TODO_MARK",)
    rationale = "Unmarked things get forgotten."
    commit_subject = "mark {sites} things done"

    def rewrite(self, source: Any) -> FileRewrite | None:
        if "TODO_MARK" not in source.text:
            return None
        sites = [
            Site(number, line.index("TODO_MARK"), Action.CHANGED, "marked done")
            for number, line in enumerate(source.text.splitlines(), 1)
            if "TODO_MARK" in line
        ]
        return FileRewrite(source.text.replace("TODO_MARK", "DONE_MARK"), sites)

    def new_files(self, project: Any) -> list[NewFile]:
        if list(project.files_containing(b"DONE_MARK")):
            return [NewFile("marker_notes.py", "# notes written by fake-marker\nMARKED = True\n")]
        return []

    def report_notes(self) -> list[str]:
        return ["run `make marks` once after merging"]


class NeverChanges(Transform):
    """Fake: finds nothing, changes nothing."""

    name = "fake-noop"
    summary = "does nothing"
    triggers = (b"zzz_never_present",)

    def rewrite(self, source: Any) -> FileRewrite | None:
        return None


FAKES = {cls.name: cls for cls in (RenameCalls, MarkDone, NeverChanges)}


def install_fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fakes the only transforms the registry knows, in this order."""
    monkeypatch.setattr(registry, "available", lambda: dict(FAKES))


def run_fakes(path: Path, *names: str) -> RunResult:
    transforms = [FAKES[name]() for name in (names or FAKES)]
    return Engine(transforms, jobs=1).run([path])


def git(cwd: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The fakes as the only transforms, no global git configuration, and a scratch temporary
    folder (returned) that fixit's temporary worktrees go to, so tests can check it is left empty."""
    install_fakes(monkeypatch)
    isolate_git_config(monkeypatch, tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def isolate_git_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No global or system git configuration (identity, hooks, signing) leaks into a test."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                     "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "EMAIL"):
        monkeypatch.delenv(variable, raising=False)


def make_repo(root: Path, files: dict[str, bytes], identity: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    if identity:
        git(root, "config", "user.name", "Test Person")
        git(root, "config", "user.email", "test@example.com")
    for relpath, data in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_bytes(data)
    git(root, "add", "--all")
    git(root, "-c", "user.name=Setup", "-c", "user.email=setup@example.com", "commit", "--quiet", "-m", "initial")
    return root
