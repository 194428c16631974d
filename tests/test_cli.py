"""The command line: exit codes, dry runs that write nothing, check mode, configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write
from fixit_codemods.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


@pytest.fixture
def project(tmp_path: Path, fake_registry: dict) -> Path:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "a.py", "OLD_NAME = 1\n")
    write(tmp_path / "app" / "b.py", "nothing = 2\n")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_list_and_explain(fake_registry: dict) -> None:
    listed = invoke("list")
    assert listed.exit_code == 0 and "rename" in listed.output and "safe" in listed.output
    explained = invoke("explain", "rename")
    assert explained.exit_code == 0 and "Renames the identifier" in explained.output
    assert "new (default 'NEW_NAME')" in explained.output
    assert invoke("explain", "nope").exit_code == 2


def test_apply_writes_in_place(project: Path) -> None:
    result = invoke("apply", "rename", str(project))
    assert result.exit_code == 0, result.output
    assert (project / "app" / "a.py").read_text() == "NEW_NAME = 1\n"
    assert "1 changed" in result.output


def test_dry_run_writes_nothing_and_prints_a_diff(project: Path) -> None:
    before = snapshot(project)
    result = invoke("apply", "rename", str(project), "--dry-run")
    assert result.exit_code == 0
    assert "-OLD_NAME = 1\n+NEW_NAME = 1" in result.output
    assert "--- a/app/a.py" in result.output
    assert snapshot(project) == before


def test_check_exits_1_when_something_would_change(project: Path) -> None:
    before = snapshot(project)
    assert invoke("apply", "rename", str(project), "--check").exit_code == 1
    assert snapshot(project) == before
    assert invoke("apply", "rename", str(project)).exit_code == 0
    assert invoke("apply", "rename", str(project), "--check").exit_code == 0


def test_failed_file_gives_exit_1_and_the_rest_is_written(project: Path) -> None:
    write(project / "app" / "broken.py", "OLD_NAME = (\n")
    result = invoke("apply", "rename", str(project))
    assert result.exit_code == 1
    assert "app/broken.py" in result.output and "syntax error" in result.output
    assert (project / "app" / "a.py").read_text() == "NEW_NAME = 1\n"


def test_usage_errors_exit_2(project: Path) -> None:
    assert invoke("apply", "unknown", str(project)).exit_code == 2
    assert invoke("apply", "rename", str(project / "missing")).exit_code == 2
    assert invoke("apply", "rename", str(project), "--option", "rename.bogus=1").exit_code == 2
    assert invoke("apply", "rename", str(project), "--option", "no-equals-sign").exit_code == 2
    assert invoke("apply", "rename", str(project), "--option", "other.key=1").exit_code == 2
    assert (project / "app" / "a.py").read_text() == "OLD_NAME = 1\n"


def test_one_missing_path_among_others_exits_1(project: Path) -> None:
    result = invoke("apply", "rename", str(project), str(project / "missing"))
    assert result.exit_code == 1 and "no such file or directory" in result.output
    assert (project / "app" / "a.py").read_text() == "NEW_NAME = 1\n"


def test_options_from_pyproject_and_cli_override(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.fixit-codemods]\nexclude = ["app/b.py"]\n\n'
          '[tool.fixit-codemods.rename]\nnew = "FROM_FILE"\n')
    assert invoke("apply", "rename", str(project / "app")).exit_code == 0
    assert (project / "app" / "a.py").read_text() == "FROM_FILE = 1\n"
    write(project / "app" / "a.py", "OLD_NAME = 1\n")
    assert invoke("apply", "rename", str(project), "-o", "rename.new=FROM_CLI").exit_code == 0
    assert (project / "app" / "a.py").read_text() == "FROM_CLI = 1\n"


def test_bad_pyproject_is_a_usage_error(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.fixit-codemods\n")
    result = invoke("apply", "rename", str(project))
    assert result.exit_code == 2 and "invalid TOML" in result.output


def test_review_sites_are_listed_with_file_and_line(project: Path) -> None:
    write(project / "app" / "c.py", "x = 1\ny = TODO_FIX\n")
    result = invoke("apply", "review-only", str(project))
    assert result.exit_code == 0
    assert "app/c.py:2: [review-only] needs a person" in result.output


def test_console_script_runs() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "fixit_codemods.cli.main", "--version"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0 and completed.stdout.startswith("fixit ")
    assert "(fixit-codemods)" in completed.stdout  # tells it apart from Meta's Fixit


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flags(flag: str) -> None:
    result = invoke(flag)
    assert result.exit_code == 0 and result.output.startswith("fixit ")


@pytest.mark.parametrize("arguments", [["-h"], ["apply", "-h"], ["batch", "-h"], ["batch", "run", "-h"]])
def test_h_is_help_everywhere(arguments: list[str]) -> None:
    result = invoke(*arguments)
    assert result.exit_code == 0 and "Usage: fixit" in result.output


def test_quiet_dry_run_prints_and_writes_nothing(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parent.parent / "golden" / "timeouts" / "anthropic_messages" / "input.py"
    (tmp_path / "llm.py").write_text(source.read_text())
    run = subprocess.run(
        [str(Path(sys.executable).with_name("fixit")), "apply", "timeouts", str(tmp_path), "--dry-run", "-q"],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0 and run.stdout == "" and run.stderr == ""
    assert (tmp_path / "llm.py").read_text() == source.read_text()


@pytest.mark.parametrize(
    ("environment", "coloured"),
    [({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": ""}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False), ({}, False)],
)
def test_colour_follows_no_color_and_force_color(tmp_path: Path, environment: dict[str, str], coloured: bool) -> None:
    source = Path(__file__).resolve().parent.parent / "golden" / "timeouts" / "anthropic_messages" / "input.py"
    (tmp_path / "llm.py").write_text(source.read_text())
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "NO_COLOR")}
    run = subprocess.run(
        [str(Path(sys.executable).with_name("fixit")), "apply", "timeouts", str(tmp_path), "--dry-run"],
        capture_output=True, text=True, check=False, env={**env, **environment},
    )
    assert ("\x1b[" in run.stdout) is coloured


def test_github_annotations_and_the_format_alias(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parent.parent / "golden" / "timeouts" / "anthropic_messages" / "input.py"
    (tmp_path / "llm.py").write_text(source.read_text())
    for flag in ("--output-format", "--format"):
        result = invoke("apply", "timeouts", str(tmp_path), "--dry-run", flag, "github")
        lines = [line for line in result.output.splitlines() if line.startswith("::")]
        assert lines and all(line.startswith("::warning file=llm.py,line=") for line in lines), result.output
        assert "title=fixit(timeouts) would change::" in lines[0]


def test_github_escaping() -> None:
    from fixit_codemods.formats import _github_escape

    assert _github_escape("50%\nmore") == "50%25%0Amore"
    assert _github_escape("a:b,c", property_value=True) == "a%3Ab%2Cc"


def test_a_filter_that_matches_nothing_says_so_and_fails_the_check(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    result = invoke("apply", "timeouts", str(tmp_path), "--check", "--include", "services/*")
    assert result.exit_code == 1
    assert "no Python files matched" in result.output and "--include services/*" in result.output


def test_check_takes_transforms_and_filters(project: Path) -> None:
    write(project / "other" / "c.py", "OLD_NAME = 3\n")
    named = invoke("check", "rename", str(project), "--exclude", "other/*", "--output-format", "json")
    assert named.exit_code == 1
    assert '"app/a.py"' in named.output and "other/c.py" not in named.output
    assert invoke("check", "--select", "rename", str(project / "app" / "b.py")).exit_code == 0
    assert invoke("check", "rename", str(project), "--select", "rename").exit_code == 2
    assert snapshot(project)["app/a.py"] == b"OLD_NAME = 1\n"  # a check never writes


def test_generated_files_are_named_under_verbose_and_taken_on_request(project: Path) -> None:
    write(project / "app" / "gen.py", "# Code generated by protoc. DO NOT EDIT.\nOLD_NAME = 4\n")
    verbose = invoke("apply", "rename", str(project), "--dry-run", "-v")
    assert "app/gen.py: generated" in verbose.output and "b/app/gen.py" not in verbose.output
    taken = invoke("apply", "rename", str(project), "--dry-run", "--include-generated")
    assert "b/app/gen.py" in taken.output


def test_help_shows_no_python_type_placeholders() -> None:
    for command in (["apply"], ["check"], ["batch"]):
        shown = invoke(*command, "--help")
        assert shown.exit_code == 0
        assert "<bool>" not in shown.output and "<list[" not in shown.output and "<str>" not in shown.output


def test_stdin_source_is_repaired_to_stdout_and_nothing_is_written(project: Path) -> None:
    before = snapshot(project)
    target = str(project / "app" / "a.py")
    repaired = runner.invoke(app, ["apply", "rename", "-", "--stdin-filename", target], input="OLD_NAME = 5\n")
    assert repaired.exit_code == 0 and repaired.stdout == "NEW_NAME = 5\n"
    diff = runner.invoke(app, ["apply", "rename", "-", "--stdin-filename", target, "--dry-run"], input="OLD_NAME = 5\n")
    assert "-OLD_NAME = 5" in diff.stdout and "+NEW_NAME = 5" in diff.stdout
    unsaved = str(project / "app" / "new.py")  # an editor buffer not yet on disk
    assert runner.invoke(app, ["apply", "rename", "-", "--stdin-filename", unsaved], input="OLD_NAME = 6\n").stdout == "NEW_NAME = 6\n"
    checked = runner.invoke(app, ["apply", "rename", "-", "--stdin-filename", target, "--check"], input="OLD_NAME = 5\n")
    assert checked.exit_code == 1
    untouched = runner.invoke(app, ["apply", "rename", "-", "--stdin-filename", target], input="nothing = 1\n")
    assert untouched.exit_code == 0 and untouched.stdout == "nothing = 1\n"
    assert runner.invoke(app, ["apply", "rename", "-"], input="OLD_NAME = 5\n").exit_code == 2
    assert snapshot(project) == before


def test_filters_use_gitignore_globs_and_config_ones_are_relative_to_their_pyproject(
    tmp_path: Path, fake_registry: dict
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.fixit-codemods]\nexclude = ["app/services/*", "gen_*.py"]\n')
    for relpath in ("app/services/s.py", "app/api/a.py", "app/api/gen_x.py", "app/legacy/l.py"):
        write(tmp_path / relpath, "OLD_NAME = 1\n")
    for path in (tmp_path, tmp_path / "app"):  # the same files, whichever folder is given
        shown = invoke("apply", "rename", str(path), "--dry-run", "--exclude", "legacy")
        assert "api/a.py" in shown.output  # (paths are shown relative to the folder given)
        assert "services/s.py" not in shown.output and "gen_x.py" not in shown.output and "legacy" not in shown.output
    only = invoke("apply", "rename", str(tmp_path / "app"), "--dry-run", "--include", "api/*")
    assert "api/a.py" in only.output and "services" not in only.output


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_a_terminal_gets_one_progress_bar_with_stage_counts_and_elapsed_time(tmp_path: Path) -> None:
    import pty
    import re

    for name in range(5):
        write(tmp_path / "app" / f"m{name}.py", "import litellm\n\n\nasync def ask():\n    return await litellm.acompletion(model='m', messages=[])\n")
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "fixit_codemods", "apply", "all", str(tmp_path), "--dry-run", "-j", "1"]
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower, env=environment)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert process.wait() == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn.decode("utf-8", "replace"))
    frames = [frame for frame in re.split(r"[\r\n]", text) if frame.startswith("fixit ")]
    assert frames[0].endswith("reading files")  # drawn before the first file is read
    counts = {match.group(2) for frame in frames if (match := re.search(r" (\d+)/(\d+) \d:\d\d:\d\d ", frame))}
    assert counts == {"5"}  # one bar: five transforms over one project, whatever the stage
    assert any(re.search(r"timeouts: \d+/\d+ files$", frame) for frame in frames)
    assert "sites would change" in text[text.rindex(frames[-1]) :]  # the summary comes after the bar


def test_report_option_writes_more_formats_from_the_same_run_and_rejects_bad_values(tmp_path: Path) -> None:
    write(tmp_path / "app" / "m.py", "import litellm\n\n\nasync def ask():\n    return await litellm.acompletion(model='m', messages=[])\n")
    summary, sarif = tmp_path / "summary.md", tmp_path / "out.sarif"
    done = invoke("check", "timeouts", str(tmp_path), "--quiet", "--output-format", "github",
                  "--report", f"markdown={summary}", "--report", f"sarif={sarif}")
    assert done.exit_code == 1  # pending
    assert done.stdout.startswith("::warning file=")  # the annotations, on stdout
    assert summary.read_text().startswith("## fixit: ") and '"version": "2.1.0"' in sarif.read_text()
    for bad, message in (("sarif", "--report takes FORMAT=FILE"), ("yaml=x.yaml", "unknown format `yaml`")):
        refused = invoke("check", str(tmp_path), "--report", bad)
        assert refused.exit_code == 2 and message in refused.output
