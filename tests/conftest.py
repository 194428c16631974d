"""Shared fixtures: a tiny transform that knows nothing of FastAPI, so engine and CLI tests do not
depend on any built-in transform's rules; the golden and example files, for the tests that hold an
engine piece equal to LibCST's (or the standard library's) on every one of them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Iterator

import libcst as cst
import pytest
from fixit_codemods import registry
from fixit_codemods.api import Action, FileRewrite, NewFile, Option, Site, Transform
from libcst.metadata import MetadataWrapper, PositionProvider


class _Renamer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new
        self.sites: list[Site] = []

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original.value != self.old:
            return updated
        position = self.get_metadata(PositionProvider, original).start
        self.sites.append(Site(position.line, position.column, Action.CHANGED, f"renamed {self.old}"))
        return updated.with_changes(value=self.new)


class RenameTransform(Transform):
    """Renames the identifier OLD_NAME to NEW_NAME (a test double for the engine)."""

    name = "rename"
    summary = "rename OLD_NAME to NEW_NAME"
    triggers = (b"OLD_NAME",)
    options = {
        "new": Option("NEW_NAME", "the new name"),
        "create": Option("", "relpath of a file to create"),
        "append": Option("", "text appended to every rewritten file (to produce broken output)"),
    }
    commit_subject = "rename {sites} names"
    rationale = "Old names confuse readers."

    def rewrite(self, source):  # type: ignore[no-untyped-def]
        renamer = _Renamer("OLD_NAME", self.settings["new"])
        module = MetadataWrapper(source.cst, unsafe_skip_copy=True).visit(renamer)
        return FileRewrite(module.code + self.settings["append"], renamer.sites)

    def new_files(self, project):  # type: ignore[no-untyped-def]
        relpath = self.settings["create"]
        return [NewFile(project.relpath_for(project.root / relpath), "CREATED = True\n")] if relpath else []


class ReviewTransform(Transform):
    """Reports every `TODO_FIX` name for review and changes nothing."""

    name = "review-only"
    summary = "flag TODO_FIX"
    triggers = (b"TODO_FIX",)

    def rewrite(self, source):  # type: ignore[no-untyped-def]
        lines = [n for n, line in enumerate(source.text.splitlines(), 1) if "TODO_FIX" in line]
        return FileRewrite(None, [Site(n, 0, Action.REVIEW, "needs a person") for n in lines])


FAKES = {"rename": RenameTransform, "review-only": ReviewTransform}


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, type[Transform]]]:
    """Make the CLI see only the test transforms."""
    monkeypatch.setattr(registry, "available", lambda: dict(FAKES))
    import fixit_codemods.cli.main

    monkeypatch.setattr(fixit_codemods.cli.main, "available", lambda: dict(FAKES))
    yield FAKES


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


ROOT = Path(__file__).resolve().parent.parent


def golden_and_example_files() -> list[Path]:
    """Every golden case's `.py` file (inputs and expected outputs), then the example backend's."""
    return sorted((ROOT / "golden").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))


@cache
def golden_and_example_modules() -> tuple[cst.Module, ...]:
    """`golden_and_example_files()` parsed by LibCST (the ones that do not parse left out), once per
    test run: LibCST trees are immutable."""
    modules = []
    for path in golden_and_example_files():
        try:
            modules.append(cst.parse_module(path.read_bytes()))
        except cst.ParserSyntaxError:
            continue  # golden cases of files that do not parse
    return tuple(modules)
