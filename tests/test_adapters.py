"""Bring your own codemod: LibCST codemods, Bowler queries and plugins through the same pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import write

FIXIT = [sys.executable, "-m", "fixit_codemods.cli.main"]

LIBCST_CODEMOD = '''
import libcst as cst
from libcst.codemod import VisitorBasedCodemodCommand


class RenamePrint(VisitorBasedCodemodCommand):
    """Replace print() with a logger call."""

    def __init__(self, context, target: str = "log", upper: bool = False) -> None:
        super().__init__(context)
        self.target = target.upper() if upper else target

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.target) if updated.value == "print" else updated
'''

BOWLER_QUERY = '''
from bowler import Query

query = Query().select_function("old_api").rename("new_api")
'''

PLUGIN = '''
from fixit_codemods.api import Action, FileRewrite, Site, Transform


class Shout(Transform):
    """Upper-cases the string 'quiet' (a plugin example)."""

    name = "shout"
    summary = "shout quietly"
    triggers = (b"quiet",)

    def rewrite(self, source):
        text = source.text.replace("'quiet'", "'QUIET'")
        return FileRewrite(text, [Site(1, 0, Action.CHANGED, "shouted")])
'''


def fixit(*args: str, cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    roots = [str(Path(__file__).resolve().parent.parent)] + ([str(extra_path)] if extra_path else [])
    env["PYTHONPATH"] = os.pathsep.join(roots + [env.get("PYTHONPATH", "")])
    env["NO_COLOR"] = "1"
    return subprocess.run([*FIXIT, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    tools = tmp_path / "tools"
    write(tools / "mycodemods.py", LIBCST_CODEMOD)
    write(tools / "query.py", BOWLER_QUERY)
    write(tools / "fixit_shout" / "__init__.py", PLUGIN)
    # an installed distribution is a .dist-info folder on sys.path: entry points are read from it
    write(tools / "fixit_shout-0.1.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: fixit-shout\nVersion: 0.1\n")
    write(tools / "fixit_shout-0.1.dist-info" / "entry_points.txt", "[fixit.transforms]\nshout = fixit_shout:Shout\n")
    return tools


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    write(project / "a.py", 'print("x")\nold_api(1)\nmood = \'quiet\'\n')
    write(project / "b.py", "match command:\n    case 1:\n        old_api(2)\n")
    write(project / "c.py", b"old_api(3)\r\n")
    return project


def test_libcst_codemod_dry_run_and_in_place(tools: Path, project: Path) -> None:
    spec = "mycodemods:RenamePrint"
    dry = fixit("apply", spec, ".", "--dry-run", "-o", f"{spec}.upper=true", cwd=project, extra_path=tools)
    assert dry.returncode == 0, dry.stderr
    assert '-print("x")\n+LOG("x")' in dry.stdout
    assert (project / "a.py").read_text().startswith('print("x")')
    done = fixit("apply", spec, ".", cwd=project, extra_path=tools)
    assert done.returncode == 0 and (project / "a.py").read_text().startswith('log("x")')
    assert fixit("apply", spec, ".", "--check", cwd=project, extra_path=tools).returncode == 0


def test_libcst_codemod_bad_option_is_a_usage_error(tools: Path, project: Path) -> None:
    result = fixit("apply", "mycodemods:RenamePrint", ".", "-o", "mycodemods:RenamePrint.nope=1",
                   cwd=project, extra_path=tools)
    assert result.returncode == 2 and "takes no argument `nope`" in result.stderr
    assert fixit("apply", "mycodemods:Missing", ".", cwd=project, extra_path=tools).returncode == 2


def test_bowler_query_reports_files_it_cannot_parse(tools: Path, project: Path) -> None:
    pytest.importorskip("bowler")
    spec = f"bowler:{tools / 'query.py'}"
    dry = fixit("apply", spec, ".", "--dry-run", cwd=project, extra_path=tools)
    assert dry.returncode == 1  # b.py (a match statement) failed
    assert "-old_api(1)\n+new_api(1)" in dry.stdout and "+new_api(3)" in dry.stdout
    assert "b.py" in dry.stderr and "Bowler cannot parse this file" in dry.stderr
    before_b = (project / "b.py").read_bytes()
    fixit("apply", spec, ".", cwd=project, extra_path=tools)
    assert (project / "b.py").read_bytes() == before_b
    assert (project / "c.py").read_bytes() == b"new_api(3)\r\n"
    assert "new_api(1)" in (project / "a.py").read_text()


def test_plugin_is_listed_and_applied(tools: Path, project: Path) -> None:
    listed = fixit("list", cwd=project, extra_path=tools)
    assert "shout" in listed.stdout and "shout quietly" in listed.stdout
    dry = fixit("apply", "shout", ".", "--dry-run", cwd=project, extra_path=tools)
    assert dry.returncode == 0 and "+mood = 'QUIET'" in dry.stdout
    assert fixit("apply", "shout", ".", cwd=project, extra_path=tools).returncode == 0
    assert "mood = 'QUIET'" in (project / "a.py").read_text()


def test_golden_harness_is_usable_by_plugin_authors(tools: Path, tmp_path: Path) -> None:
    case = tmp_path / "golden" / "shout" / "basic"
    write(case / "input.py", "mood = 'quiet'\n")
    write(case / "expected.py", "mood = 'QUIET'\n")
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from fixit_codemods.testing import case_dirs, check_case
        from fixit_shout import Shout
        for case in case_dirs(Path({str(tmp_path / 'golden')!r})):
            check_case(case, Shout)
        print("ok")
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tools), str(Path(__file__).resolve().parent.parent)]))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def _repository(project: Path) -> None:
    for command in (["init", "-q"], ["config", "user.email", "dev@example.com"], ["config", "user.name", "Dev"],
                    ["add", "-A"], ["commit", "-qm", "initial"]):
        subprocess.run(["git", *command], cwd=project, check=True)


@pytest.mark.parametrize(
    "spec, branch, changed",
    [
        ("mycodemods:RenamePrint", "fixit/mycodemods-RenamePrint", 'log("x")'),
        ("bowler:../tools/query.py", "fixit/bowler-query", "new_api(1)"),
        ("shout", "fixit/shout", "'QUIET'"),
    ],
)
def test_each_kind_makes_a_branch(tools: Path, project: Path, spec: str, branch: str, changed: str) -> None:
    bowler = spec.startswith("bowler:")
    if bowler:
        pytest.importorskip("bowler")
    _repository(project)
    result = fixit("apply", spec, ".", "--branch", cwd=project, extra_path=tools)
    # b.py (a match statement) fails under Bowler: the branch still carries the other files, exit 1
    assert result.returncode == (1 if bowler else 0), result.stderr
    b_on_branch = subprocess.run(["git", "show", f"{branch}:b.py"], cwd=project, capture_output=True, check=True)
    assert b_on_branch.stdout == (project / "b.py").read_bytes()
    shown = subprocess.run(["git", "show", f"{branch}:a.py"], cwd=project, capture_output=True, text=True, check=True)
    assert changed in shown.stdout
    assert changed not in (project / "a.py").read_text()  # the working tree is untouched
    trailer = subprocess.run(["git", "log", "-1", "--format=%B", branch], cwd=project, capture_output=True,
                             text=True, check=True).stdout
    assert f"Fixit-Transform: {spec}" in trailer


def test_libcst_codemod_missing_a_required_argument_is_a_usage_error(tools: Path, project: Path) -> None:
    write(tools / "needs.py", LIBCST_CODEMOD.replace('target: str = "log"', "target: str"))
    missing = fixit("apply", "needs:RenamePrint", ".", "--dry-run", cwd=project, extra_path=tools)
    assert missing.returncode == 2 and "needs 'target'" in missing.stderr and "Traceback" not in missing.stderr
    given = fixit("apply", "needs:RenamePrint", ".", "--dry-run", "-o", "needs:RenamePrint.target=emit",
                  cwd=project, extra_path=tools)
    assert given.returncode == 0 and '+emit("x")' in given.stdout


def test_bowler_query_function_gets_the_target_paths(tools: Path, project: Path) -> None:
    pytest.importorskip("bowler")
    write(tools / "paths_query.py", (
        "from bowler import Query\n\n\n"
        "def query(paths):\n"
        "    assert paths and all(isinstance(p, str) for p in paths), paths\n"
        '    return Query(paths).select_function("old_api").rename("new_api")\n'
    ))
    dry = fixit("apply", f"bowler:{tools / 'paths_query.py'}", ".", "--dry-run", cwd=project, extra_path=tools)
    assert "-old_api(1)\n+new_api(1)" in dry.stdout, dry.stderr
