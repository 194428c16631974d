"""The engine on good and bad input: what it reads, skips, reports, and how it writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import RenameTransform, write
from fixit_codemods.discovery import discover, module_name
from fixit_codemods.engine import Engine, load_sources
from fixit_codemods.writer import WriteError, write_changes


def run(paths: list[Path], jobs: int = 1, **options: str):  # type: ignore[no-untyped-def]
    return Engine([RenameTransform(options)], jobs=jobs).run(paths)


def apply(paths: list[Path], **options: str):  # type: ignore[no-untyped-def]
    result = run(paths, **options)
    write_changes(result.changes().values())
    return result


def test_rewrites_only_files_with_the_trigger(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "OLD_NAME = 1\n")
    write(tmp_path / "b.py", "other = 2\n")
    result = apply([tmp_path])
    assert (tmp_path / "a.py").read_text() == "NEW_NAME = 1\n"
    assert result.scanned == 2 and result.skipped_by_prefilter == 1
    assert [(s.path, s.line) for s in result.sites] == [("a.py", 1)]


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "OLD_NAME = 1\n")
    apply([tmp_path])
    assert run([tmp_path]).changes() == {}


def test_crlf_bom_and_latin1_survive(tmp_path: Path) -> None:
    write(tmp_path / "crlf.py", b"# keep\r\nOLD_NAME = 1\r\n\r\nx = 'q'\r\n")
    write(tmp_path / "bom.py", b"\xef\xbb\xbfOLD_NAME = 1\n")
    write(tmp_path / "latin.py", "# -*- coding: latin-1 -*-\nOLD_NAME = 'caf\xe9'\n".encode("latin-1"))
    result = apply([tmp_path])
    assert not result.all_failures
    assert (tmp_path / "crlf.py").read_bytes() == b"# keep\r\nNEW_NAME = 1\r\n\r\nx = 'q'\r\n"
    assert (tmp_path / "bom.py").read_bytes() == b"\xef\xbb\xbfNEW_NAME = 1\n"
    assert (tmp_path / "latin.py").read_bytes() == "# -*- coding: latin-1 -*-\nNEW_NAME = 'caf\xe9'\n".encode(
        "latin-1"
    )


def test_file_mode_is_kept(tmp_path: Path) -> None:
    script = write(tmp_path / "run.py", "#!/usr/bin/env python\nOLD_NAME = 1\n")
    script.chmod(0o755)
    apply([tmp_path])
    assert (script.stat().st_mode & 0o777) == 0o755


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("syntax.py", b"OLD_NAME = (\n", "syntax error"),
        ("binary.py", b"OLD_NAME\x00\x01\x02", "binary"),
        ("undecodable.py", b"OLD_NAME = '\xff\xfe'\n", "not valid utf-8"),
    ],
)
def test_bad_file_is_reported_and_others_still_change(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    bad = write(tmp_path / name, data)
    write(tmp_path / "good.py", "OLD_NAME = 1\n")
    result = apply([tmp_path])
    assert [(f.relpath, message in f.message) for f in result.all_failures] == [(name, True)]
    assert bad.read_bytes() == data
    assert (tmp_path / "good.py").read_text() == "NEW_NAME = 1\n"


def test_empty_file_is_fine(tmp_path: Path) -> None:
    write(tmp_path / "empty.py", b"")
    result = apply([tmp_path])
    assert result.scanned == 1 and not result.all_failures and not result.changes()


def test_missing_path_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "OLD_NAME = 1\n")
    result = apply([tmp_path, tmp_path / "missing"])
    assert [f.message for f in result.all_failures] == ["no such file or directory"]
    assert (tmp_path / "a.py").read_text() == "NEW_NAME = 1\n"


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path / "locked.py", "OLD_NAME = 1\n")
    write(tmp_path / "open.py", "OLD_NAME = 1\n")
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = run([tmp_path])
    assert [(f.relpath, f.message) for f in result.all_failures] == [("locked.py", "cannot read: Permission denied")]
    assert list(result.changes()) == ["open.py"]


def test_symlink_loop_is_reported_not_followed(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.py", tmp_path / "a.py")
    os.symlink(tmp_path / "a.py", tmp_path / "b.py")
    os.symlink(tmp_path, tmp_path / "again")  # a folder loop: never walked into
    write(tmp_path / "c.py", "OLD_NAME = 1\n")
    result = apply([tmp_path])
    assert sorted(f.relpath for f in result.all_failures) == ["a.py", "b.py"]
    assert all("cannot follow link" in f.message for f in result.all_failures)
    assert (tmp_path / "c.py").read_text() == "NEW_NAME = 1\n"


def test_parallel_run_matches_serial(tmp_path: Path) -> None:
    for number in range(60):
        write(tmp_path / "pkg" / f"m{number}.py", f"OLD_NAME = {number}\n" if number % 3 else "x = 1\n")
    write(tmp_path / "pkg" / "broken.py", "OLD_NAME = (\n")
    serial, parallel = run([tmp_path], jobs=1), run([tmp_path], jobs=2)
    assert parallel.changes() == serial.changes() and len(serial.changes()) == 40
    assert [f.relpath for f in parallel.all_failures] == ["pkg/broken.py"]


def test_discovery_honours_gitignore_and_skips_environments(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "ignored/\n*_skip.py\n")
    (tmp_path / ".git").mkdir()
    write(tmp_path / "app" / "keep.py", "")
    write(tmp_path / "app" / "x_skip.py", "")
    write(tmp_path / "app" / ".gitignore", "local.py\n")
    write(tmp_path / "app" / "local.py", "")
    write(tmp_path / "ignored" / "a.py", "")
    write(tmp_path / "venv" / "lib.py", "")
    write(tmp_path / "myenv" / "pyvenv.cfg", "")
    write(tmp_path / "myenv" / "lib" / "x.py", "")
    write(tmp_path / "lib" / "site-packages" / "dep.py", "")
    write(tmp_path / "build" / "out.py", "")
    write(tmp_path / "app" / "gen.py", "# @generated by protoc\nOLD_NAME = 1\n")
    found = discover([tmp_path], tmp_path, exclude=["app/other*"])
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == ["app/gen.py", "app/keep.py"]
    result = run([tmp_path])
    assert result.generated == 1 and not result.changes()


def test_include_and_exclude_globs(tmp_path: Path) -> None:
    write(tmp_path / "app" / "a.py", "OLD_NAME = 1\n")
    write(tmp_path / "app" / "migrations" / "m.py", "OLD_NAME = 1\n")
    write(tmp_path / "scripts" / "s.py", "OLD_NAME = 1\n")
    result = Engine([RenameTransform()], jobs=1, include=["app/*"], exclude=["migrations"]).run([tmp_path])
    assert list(result.changes()) == ["app/a.py"]


def test_explicit_file_is_taken_even_if_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "secret.py\n")
    target = write(tmp_path / "secret.py", "OLD_NAME = 1\n")
    assert list(run([target]).changes()) == ["secret.py"]


def test_module_names(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "api" / "__init__.py", "")
    routes = write(tmp_path / "app" / "api" / "routes.py", "")
    script = write(tmp_path / "scripts" / "tool.py", "")
    assert module_name(routes, tmp_path) == ("app.api.routes", False)
    assert module_name(tmp_path / "app" / "api" / "__init__.py", tmp_path) == ("app.api", True)
    assert module_name(script, tmp_path) == ("scripts.tool", False)


def test_new_files_are_created_and_diffed(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "OLD_NAME = 1\n")
    result = apply([tmp_path], create="pkg/created.py")
    assert (tmp_path / "pkg" / "created.py").read_text() == "CREATED = True\n"
    assert result.changes()["pkg/created.py"].is_new
    assert run([tmp_path], create="pkg/created.py").changes() == {}


def test_changeset_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write(tmp_path / "a.py", "OLD_NAME = 1\n")
    second = write(tmp_path / "b.py", "OLD_NAME = 2\n")
    result = run([tmp_path], create="new/created.py")
    real_replace = os.replace
    calls = []

    def failing_replace(source: str, target: str) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(WriteError, match="rolled back"):
        write_changes(result.changes().values())
    monkeypatch.setattr(os, "replace", real_replace)
    assert first.read_text() == "OLD_NAME = 1\n" and second.read_text() == "OLD_NAME = 2\n"
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]  # no temporary files left


def test_file_edited_during_the_run_is_not_overwritten(tmp_path: Path) -> None:
    target = write(tmp_path / "a.py", "OLD_NAME = 1\n")
    result = run([tmp_path])
    target.write_text("OLD_NAME = 1  # edited meanwhile\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_changes(result.changes().values())
    assert target.read_text() == "OLD_NAME = 1  # edited meanwhile\n"


def test_transform_producing_invalid_code_is_discarded(tmp_path: Path) -> None:
    target = write(tmp_path / "a.py", "OLD_NAME = 1\n")
    result = apply([tmp_path], append="def (:\n")
    assert target.read_text() == "OLD_NAME = 1\n"
    assert ["change discarded" in f.message for f in result.all_failures] == [True]


class _PlanBug(RenameTransform):
    name = "plan-bug"

    def plan(self, project):  # type: ignore[no-untyped-def]
        if "broken" in str(project.root):
            raise RuntimeError("boom")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bug_in_one_projects_plan_leaves_the_others_running(tmp_path: Path, jobs: int) -> None:
    for name in ("broken", "fine"):
        write(tmp_path / name / "pyproject.toml", "")
        write(tmp_path / name / "a.py", "OLD_NAME = 1\n")
    result = Engine([_PlanBug()], jobs=jobs).run([tmp_path])
    assert list(result.changes()) == ["fine/a.py"]
    assert [("internal error while planning" in f.message, f.transform) for f in result.all_failures] == [
        (True, "plan-bug")
    ]


def test_only_explicit_header_markers_make_a_file_generated(tmp_path: Path) -> None:
    from fixit_codemods.discovery import is_generated

    assert is_generated(b"# Code generated by sqlc. DO NOT EDIT.\nX = 1\n")
    assert is_generated(b'"""Schema client.\n\n@generated by the build\n"""\nX = 1\n')
    assert not is_generated(b'"""Helpers for autogenerated API clients."""\nimport os\n')
    assert not is_generated(b"import os\n# do not edit the list below by hand\n")
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "gen.py", "# @generated by protoc\nX = 1\n")
    groups, _, generated = load_sources([tmp_path], tmp_path, tmp_path, (), ())
    assert generated == ["app/gen.py"] and len(groups[tmp_path]) == 1
    groups, _, generated = load_sources([tmp_path], tmp_path, tmp_path, (), (), include_generated=True)
    assert generated == [] and len(groups[tmp_path]) == 2


@pytest.mark.parametrize("projects, jobs", [(1, 1), (3, 1), (3, 2)])
def test_progress_is_one_bar_for_the_whole_run(tmp_path: Path, projects: int, jobs: int) -> None:
    for index in range(projects):
        write(tmp_path / f"service{index}" / "pyproject.toml", "")
        for name in range(3):
            write(tmp_path / f"service{index}" / f"m{name}.py", "OLD_NAME = 1\n")
    events: list[tuple[str, float, int]] = []
    transforms = [RenameTransform({}), RenameTransform({"new": "OTHER"})]
    Engine(transforms, jobs=jobs, on_progress=lambda *event: events.append(event)).run([tmp_path])

    assert events[0] == ("reading files", 0.0, 0)  # shown before the first file is read
    totals = {total for _, _, total in events[1:]}
    assert totals == {projects * len(transforms)}  # one bar: its length never changes
    done = [value for _, value, _ in events]
    assert done == sorted(done) and done[-1] == projects * len(transforms)  # never goes back, ends full
    assert all(stage and "_" not in stage.split(":")[0] for stage, _, _ in events)  # stages, not function names


def test_comment_check_reads_tokens_first_and_leaves_the_tree_path_for_real_losses() -> None:
    from fixit_codemods.comments import comments_unchanged

    before = "x = f(  # why\n    1,\n)  # end\ns = '# not a comment'\n"
    assert comments_unchanged(before, "x = g(  # why\n    1,\n)  # end\ns = '# not a comment'\n")
    assert comments_unchanged(before, "x = g(1)  # end\n# why\ns = 'other'\n")  # moved, not lost
    assert not comments_unchanged(before, "x = g(1)  # end\ns = '# not a comment'\n")  # `# why` lost
    assert not comments_unchanged(before, before + "# extra\n")  # a different multiset: the tree decides
    assert not comments_unchanged('x = """never closed # a\n', 'x = """never closed\n')  # unreadable: the tree path
    # every line holding a `#` kept (re-indented): no tokenizer needed, nothing lost
    assert comments_unchanged("if a:\n    f()  # why\n", "if a:\n    async with c:\n        f()  # why\n")


def test_a_stop_signal_that_library_code_turned_into_an_error_still_stops_the_run() -> None:
    # LibCST's position provider looks a node up in a `finally` block: when Ctrl-C or SIGTERM cuts
    # the codegen short, that lookup raises KeyError and replaces the KeyboardInterrupt passing through
    from fixit_codemods.cli.signals import Terminated
    from fixit_codemods.project import _run_batch, interrupt_behind

    def cut_short(source: object) -> None:
        computed: dict[str, int] = {}
        try:
            raise Terminated
        finally:
            computed["child"]  # noqa: B018 - raises KeyError, as the library does

    with pytest.raises(Terminated):
        _run_batch(cut_short, ["a.py"])  # type: ignore[list-item]
    assert _run_batch(lambda source: {}["missing"], ["a.py"])[0][0] is False  # a plain bug stays a failure
    assert interrupt_behind(ValueError("x")) is None
