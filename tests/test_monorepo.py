"""A monorepo run: each service (a folder with its own pyproject.toml) is its own project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixit_codemods.config import merge_options, settings_from_pyproject
from fixit_codemods.engine import Engine
from fixit_codemods.registry import select

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "backend"


def copy_example(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return target


def run_all(path: Path, options_from: Path, jobs: int = 1) -> dict[str, bytes]:
    options = merge_options(settings_from_pyproject(options_from).transform_options, {})
    result = Engine(select("all", options), jobs=jobs).run([path])
    assert not result.all_failures, result.all_failures
    return {relpath: change.after for relpath, change in result.changes().items()}


@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "projects-in-parallel"])
def test_each_service_gets_what_a_single_run_gives(tmp_path: Path, jobs: int) -> None:
    single = run_all(copy_example(tmp_path / "alone" / "backend"), tmp_path / "alone" / "backend")
    services = tmp_path / "services"
    copy_example(services / "billing")
    copy_example(services / "search")
    together = run_all(services, services / "billing", jobs=jobs)
    expected = {f"{name}/{relpath.removeprefix('backend/')}": after
                for name in ("billing", "search") for relpath, after in single.items()}
    # the baseline revision embeds nothing path-specific, so both services get identical files
    assert sorted(together) == sorted(expected)
    assert together == expected
    assert "billing/alembic.ini" in together and "search/alembic.ini" in together
