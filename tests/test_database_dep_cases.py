"""database-dep beyond the golden cases: ruff stays clean on golden outputs, PEP 695 `type` aliases
(which the stdlib parser reads only from 3.12), and option errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixit_codemods.api import Action, ConfigError
from fixit_codemods.engine import Engine
from fixit_codemods.testing import case_dirs
from fixit_codemods.transforms.database_dep import DatabaseDep
from fixit_codemods.writer import write_changes

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "database-dep"
RUFF = Path(sys.executable).parent / "ruff"
CASES = case_dirs(GOLDEN)


def ruff_problems(root: Path) -> str:
    completed = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--isolated", "--target-version", "py312"]
        + ["--select", "F401,F811,F821", "--output-format", "concise", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if completed.returncode == 0 else completed.stdout + completed.stderr


def copy_side(case: Path, side: str, target: Path) -> Path:
    """The case's `input` or `expected` tree, alone in `target`."""
    if (case / side).is_dir():
        shutil.copytree(case / side, target)
    else:
        target.mkdir()
        shutil.copy2(case / f"{side}.py", target / "input.py")
    return target


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_ruff_stays_clean_on_golden_outputs(case: Path, tmp_path: Path) -> None:
    assert not ruff_problems(copy_side(case, "input", tmp_path / "before")), "keep golden inputs ruff-clean"
    after = copy_side(case, "expected", tmp_path / "after")
    assert not ruff_problems(after), ruff_problems(after)


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


TYPE_STATEMENT_PROJECT = {
    "app/__init__.py": "",
    "app/db.py": """
        from typing import Annotated

        from fastapi import Depends
        from sqlalchemy.ext.asyncio import AsyncSession


        async def get_db_session():
            yield AsyncSession()


        type SessionDep = Annotated[AsyncSession, Depends(get_db_session)]
    """,
    "app/routes.py": """
        from fastapi import APIRouter, Depends
        from sqlalchemy.ext.asyncio import AsyncSession

        from app.db import get_db_session

        router = APIRouter()


        @router.get("/things")
        async def list_things(session: AsyncSession = Depends(get_db_session)):
            return []
    """,
}


def test_type_statement_alias_is_found_on_any_python(tmp_path: Path) -> None:
    """`type X = ...` does not parse with the stdlib before 3.12: the module is read with LibCST,
    left as it is, and without a failure; routers elsewhere still get the alias."""
    write_tree(tmp_path, TYPE_STATEMENT_PROJECT)
    db_before = (tmp_path / "app/db.py").read_bytes()
    result = Engine([DatabaseDep()], jobs=1).run([tmp_path])
    write_changes(result.changes().values())
    assert not result.all_failures
    assert [(s.path, s.line, s.action) for s in result.sites] == [("app/routes.py", 10, Action.CHANGED)]
    assert (tmp_path / "app/routes.py").read_text() == textwrap.dedent(
        """\
        from fastapi import APIRouter

        from app.db import SessionDep

        router = APIRouter()


        @router.get("/things")
        async def list_things(session: SessionDep):
            return []
        """
    )
    assert (tmp_path / "app/db.py").read_bytes() == db_before


def test_unknown_alias_option_is_a_configuration_error(tmp_path: Path) -> None:
    write_tree(tmp_path, TYPE_STATEMENT_PROJECT)
    with pytest.raises(ConfigError, match="no alias named `Missing`.*app.db.SessionDep"):
        Engine([DatabaseDep({"alias": "Missing"})], jobs=1).run([tmp_path])


def test_alias_option_accepts_a_qualified_name(tmp_path: Path) -> None:
    write_tree(tmp_path, TYPE_STATEMENT_PROJECT)
    result = Engine([DatabaseDep({"alias": "app.db.SessionDep"})], jobs=1).run([tmp_path])
    assert [s.action for s in result.sites] == [Action.CHANGED]


def test_create_without_a_clear_dependency_leaves_a_note(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/routes.py": """
                from fastapi import Depends
                from sqlalchemy.ext.asyncio import AsyncSession

                async def primary():
                    yield AsyncSession()

                async def replica():
                    yield AsyncSession()

                async def a(session: AsyncSession = Depends(primary)): ...
                async def b(session: AsyncSession = Depends(replica)): ...
            """,
        },
    )
    result = Engine([DatabaseDep({"create": "true"})], jobs=1).run([tmp_path])
    assert not result.changes()
    assert any("cannot tell which session dependency" in note for note in result.transforms[0].notes)
    chosen = Engine([DatabaseDep({"create": "true", "dependency": "app.routes.replica"})], jobs=1).run(
        [tmp_path]
    )
    text = chosen.changes()["app/routes.py"].after.decode()
    assert "DatabaseDep = Annotated[AsyncSession, Depends(replica)]" in text
    assert "async def b(session: DatabaseDep)" in text
    assert "async def a(session: AsyncSession = Depends(primary))" in text


def test_parallel_run_matches_serial_run(tmp_path: Path) -> None:
    """The plan's state travels to worker processes (enough files to use the process pool)."""
    files = {
        "app/__init__.py": "",
        **{k: v for k, v in TYPE_STATEMENT_PROJECT.items() if k != "app/__init__.py"},
    }
    for number in range(30):
        files[f"app/routes_{number}.py"] = TYPE_STATEMENT_PROJECT["app/routes.py"]
    write_tree(tmp_path, files)
    serial = Engine([DatabaseDep()], jobs=1).run([tmp_path])
    parallel = Engine([DatabaseDep()], jobs=2).run([tmp_path])
    assert not parallel.all_failures
    assert len(parallel.changes()) == 31
    assert {k: v.after for k, v in parallel.changes().items()} == {
        k: v.after for k, v in serial.changes().items()
    }
