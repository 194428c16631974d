"""Golden before/after cases, importable by plugin authors.

Layout, per transform (`golden/<transform>/<case>/`):

- single file: `input.py` and `expected.py`;
- several files: folders `input/` and `expected/` (the whole tree after the run; files the
  transform creates appear only in `expected/`);
- optional `options.toml`: the transform's options (`key = value`, as in `[tool.fixit-codemods.NAME]`);
- optional `sites.txt`: the sites the run must report, one `action path:line` a line, sorted.

`check_case` runs the transform on a copy of the input, compares every file byte for byte, checks
that each output parses, and runs the transform a second time to prove it changes nothing.
Regenerate expected files for review with `python -m fixit_codemods.testing golden/<transform>[/<case>]`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from fixit_codemods.api import Transform
from fixit_codemods.config import load_toml
from fixit_codemods.engine import Engine, RunResult
from fixit_codemods.sources import check_parses
from fixit_codemods.writer import write_changes

TransformFactory = Callable[[dict[str, Any]], Transform]


@dataclass
class CaseOutcome:
    files: dict[str, bytes]  # relpath -> content after the run
    sites: list[str]  # "action path:line"
    second_run: RunResult


def case_dirs(golden_root: Path) -> list[Path]:
    """Every case folder below `golden_root` (folders holding input.py or input/)."""
    found = {p.parent for p in golden_root.rglob("input.py") if p.parent.name != "input"}
    found |= {p.parent for p in golden_root.rglob("input") if p.is_dir()}
    return sorted(found)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _copy_input(case: Path, work: Path) -> None:
    if (case / "input").is_dir():
        shutil.copytree(case / "input", work, dirs_exist_ok=True)
    else:
        shutil.copy2(case / "input.py", work / "input.py")


def _expected(case: Path) -> dict[str, bytes]:
    if (case / "expected").is_dir():
        return _tree(case / "expected")
    return {"input.py": (case / "expected.py").read_bytes()}


def case_options(case: Path) -> dict[str, Any]:
    options_file = case / "options.toml"
    return load_toml(options_file) if options_file.is_file() else {}


def run_case(case: Path, factory: TransformFactory) -> CaseOutcome:
    with tempfile.TemporaryDirectory(prefix="fixit-golden-") as temporary:
        work = Path(temporary) / "project"
        work.mkdir()
        _copy_input(case, work)
        options = case_options(case)
        first = Engine([factory(options)], jobs=1).run([work])
        write_changes(first.changes().values())
        sites = sorted(f"{s.action.value} {s.path}:{s.line}" for s in first.sites)
        second = Engine([factory(options)], jobs=1).run([work])
        failures = first.all_failures + second.all_failures
        if failures:
            raise AssertionError(f"{case}: failures: {failures}")
        return CaseOutcome(_tree(work), sites, second)


def check_case(case: Path, factory: TransformFactory) -> None:
    """Assert the golden case holds: exact output, outputs parse, a second run changes nothing."""
    outcome = run_case(case, factory)
    expected = _expected(case)
    assert sorted(outcome.files) == sorted(expected), f"{case}: files differ: {sorted(outcome.files)}"
    for relpath, content in expected.items():
        actual = outcome.files[relpath]
        if actual != content:
            raise AssertionError(
                f"{case}/{relpath} differs from expected\n--- expected\n{content.decode(errors='replace')}"
                f"\n--- actual\n{actual.decode(errors='replace')}"
            )
        if relpath.endswith(".py"):
            check_parses(actual.decode("utf-8", errors="replace"), relpath)
    second_changes = outcome.second_run.changes()
    assert not second_changes, f"{case}: second run changed {sorted(second_changes)}"
    sites_file = case / "sites.txt"
    if sites_file.is_file():
        wanted = [line.strip() for line in sites_file.read_text().splitlines() if line.strip()]
        assert outcome.sites == sorted(wanted), f"{case}: sites {outcome.sites} != {sorted(wanted)}"


def regenerate(case: Path, factory: TransformFactory) -> None:
    """Rewrite a case's expected output (and sites.txt) from what the transform does now."""
    outcome = run_case(case, factory)
    if (case / "input").is_dir():
        target = case / "expected"
        shutil.rmtree(target, ignore_errors=True)
        for relpath, content in outcome.files.items():
            (target / relpath).parent.mkdir(parents=True, exist_ok=True)
            (target / relpath).write_bytes(content)
    else:
        (case / "expected.py").write_bytes(outcome.files["input.py"])
    (case / "sites.txt").write_text("".join(f"{line}\n" for line in outcome.sites))


def transform_for_case(case: Path) -> TransformFactory:
    """The built-in or plugin transform named by the case's parent folder (`golden/<name>/<case>`)."""
    from fixit_codemods.registry import available

    name = case.parent.name
    cls = available()[name]
    return lambda options: cls(options)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m fixit_codemods.testing golden/<transform>[/<case>] ...", file=sys.stderr)
        return 2
    for argument in argv:
        root = Path(argument)
        cases = [root] if (root / "input.py").exists() or (root / "input").is_dir() else case_dirs(root)
        for case in cases:
            regenerate(case, transform_for_case(case))
            print(f"regenerated {case}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
