"""Dry-run formats: the diff `git apply` accepts, Markdown, JSON (documented schema), SARIF 2.1.0."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from fixit_codemods.api import Action, NewFile, Transform
from fixit_codemods.cli.main import app
from fixit_codemods.engine import Engine, RunResult
from fixit_codemods.formats import json_report, markdown_report, render, sarif_log
from fixit_codemods.messages import md_code, md_fence
from fixit_codemods.registry import builtin_transforms
from report_fakes import git, isolate, make_repo, run_fakes
from typer.testing import CliRunner

REPOSITORY = Path(__file__).resolve().parent.parent
REPORT_SCHEMA = json.loads((REPOSITORY / "codemods" / "schemas" / "report-v1.json").read_text())
SARIF_SCHEMA = json.loads((REPOSITORY / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
EXAMPLE_BACKEND = REPOSITORY / "examples" / "backend"

FILES = {
    "app/__init__.py": b"",
    "app/calls.py": b"def run():\n    old_call(1)\n    review_me()\n    new_call(0)\n    return old_call(2)\n",
    "app/crlf.py": b"def f():\r\n    x = 1\r\n    return old_call(x)\r\n",
    "app/unicode.py": "# café ✓ 𝄞\nvalue = old_call('é𝄞')\ntail = 'ü'\nold_call(2)".encode(),  # no final newline
    "app/bom.py": b"\xef\xbb\xbfimport os\nold_call(3)\n",
    "app/latin.py": b"# -*- coding: latin-1 -*-\ns = '\xe9'\nold_call(4)\n",
    "app/ticks.py": b"DOC = '```'\nold_call(DOC)\n",
    "app/marks.py": b"STATE = 'TODO_MARK'\n",
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project", FILES)


@pytest.fixture
def result(project: Path) -> RunResult:
    return run_fakes(project)


def fixit(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


# -- diff ----------------------------------------------------------------------------------


def test_dry_run_diff_is_what_git_apply_accepts(project: Path, result: RunResult, tmp_path: Path) -> None:
    patch = tmp_path / "changes.patch"
    outcome = fixit("apply", "all", str(project), "--dry-run", "--output", str(patch), "-j", "1")
    assert outcome.exit_code == 0, outcome.output
    assert b"new file mode 100644" in patch.read_bytes() and b"\r\n" in patch.read_bytes()

    git(project, "apply", "--check", str(patch))  # raises with git's complaint if the patch does not apply
    git(project, "apply", str(patch))

    expected = {relpath: change.after for relpath, change in result.changes().items()}
    assert {"app/crlf.py", "marker_notes.py", "app/unicode.py"} <= set(expected)
    for relpath, data in expected.items():
        assert (project / relpath).read_bytes() == data, relpath
    assert (project / "app" / "crlf.py").read_bytes() == b"def f():\r\n    x = 1\r\n    return new_call(x)\r\n"


# -- markdown ------------------------------------------------------------------------------


def test_markdown_has_a_table_rationale_and_collapsible_diff_per_file(result: RunResult) -> None:
    text = markdown_report(result)
    assert text.startswith("## fixit: 8 files would change, 9 sites, 1 left for review\n")
    assert "| `fake-rename` | unsafe | 6 | 8 | 1 |" in text
    assert "| File | Sites changed | Sites for review |" in text
    assert "| `app/calls.py` | 2 | 1 |" in text
    assert "**Why.** old_call leaks a connection on every error" in text
    assert "- Behaviour change: new_call raises TimeoutError where old_call hung." in text
    for relpath in result.changes():
        assert f"<details><summary><code>{relpath}</code>" in text
    assert text.count("<details>") == text.count("</details>") == 8
    # a diff containing ``` is fenced with more backticks, so the block cannot end early
    ticks_block = text.split("<code>app/ticks.py</code>")[1].split("</details>")[0]
    assert "````diff\n" in ticks_block and "\n````\n" in ticks_block
    assert "\r" not in text


def test_markdown_helpers_survive_backticks() -> None:
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_fence("x ```` y", "diff").startswith("`````diff\n")


def test_markdown_when_nothing_is_pending(project: Path) -> None:
    text = markdown_report(run_fakes(project, "fake-noop"))
    assert text.startswith("## fixit: nothing to change\n")


# -- json ----------------------------------------------------------------------------------


def test_json_validates_against_its_documented_schema(result: RunResult) -> None:
    report = json.loads(render(result, "json"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(report)
    assert report["schema_version"] == 1
    assert len(report["sites"]) == len(result.sites)
    assert {
        "transform": "fake-rename", "file": "app/calls.py", "line": 3, "column": 4, "action": "review",
        "safety": "unsafe", "message": "review_me is dynamic: left alone",
    } in report["sites"]
    assert {s["action"] for s in report["sites"]} == {"changed", "review", "skipped"}
    files = {f["path"]: f for f in report["files"]}
    assert files["marker_notes.py"]["status"] == "added"
    assert files["app/crlf.py"]["diff"].startswith("diff --git a/app/crlf.py b/app/crlf.py\n")
    assert "\r\n" in files["app/crlf.py"]["diff"]
    assert "s = 'é'" in files["app/latin.py"]["diff"]  # decoded with the file's own encoding
    assert report["summary"]["files_changed"] == 8


def test_json_schema_is_documented() -> None:
    documentation = (REPOSITORY / "docs" / "json-schema.md").read_text()
    definitions = REPORT_SCHEMA["$defs"]
    keys = [*REPORT_SCHEMA["properties"], *definitions["site"]["properties"], *definitions["file"]["properties"]]
    missing = [key for key in keys if key != "$schema" and f"`{key}`" not in documentation]
    assert missing == []


# -- sarif ---------------------------------------------------------------------------------


def validate_sarif(log: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_sarif_validates_against_the_2_1_0_schema(result: RunResult) -> None:
    log = json.loads(render(result, "sarif"))
    validate_sarif(log)
    (run,) = log["runs"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["fake-rename", "fake-marker", "fake-noop"]
    assert len(run["results"]) == len(result.sites)
    by_action: dict[str, list[dict[str, Any]]] = {}
    for item in run["results"]:
        by_action.setdefault(item["properties"]["action"], []).append(item)
    assert all("fixes" in item and item["kind"] == "fail" for item in by_action["changed"])
    assert [("fixes" in item, item["level"]) for item in by_action["review"]] == [(False, "warning")]
    assert [(item["kind"], item["level"]) for item in by_action["skipped"]] == [("pass", "none")]
    review_region = by_action["review"][0]["locations"][0]["physicalLocation"]["region"]
    assert review_region == {"startLine": 3, "startColumn": 5}


def _sarif_lines(text: str) -> list[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def _index(text: str, line: int, column: int) -> int:
    """String index of a SARIF (line, UTF-16 column) position."""
    lines = _sarif_lines(text)
    start = sum(len(x) for x in lines[: line - 1])
    units, offset = 0, 0
    current = lines[line - 1] if line - 1 < len(lines) else ""
    while units < column - 1:
        units += 2 if ord(current[offset]) > 0xFFFF else 1
        offset += 1
    return start + offset


def apply_by_lines(text: str, replacements: list[dict[str, Any]]) -> str:
    for replacement in sorted(replacements, key=lambda r: r["deletedRegion"]["byteOffset"], reverse=True):
        region = replacement["deletedRegion"]
        start = _index(text, region["startLine"], region["startColumn"])
        end = _index(text, region["endLine"], region["endColumn"])
        text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
    return text


def apply_by_bytes(data: bytes, replacements: list[dict[str, Any]], encoding: str) -> bytes:
    for replacement in sorted(replacements, key=lambda r: r["deletedRegion"]["byteOffset"], reverse=True):
        region = replacement["deletedRegion"]
        start, end = region["byteOffset"], region["byteOffset"] + region["byteLength"]
        data = data[:start] + replacement["insertedContent"]["text"].encode(encoding) + data[end:]
    return data


def test_sarif_fixes_turn_each_original_file_into_its_final_one(result: RunResult) -> None:
    fixes: dict[str, list[dict[str, Any]]] = {}
    for item in sarif_log(result)["runs"][0]["results"]:
        for fix in item.get("fixes", []):
            for change in fix["artifactChanges"]:
                fixes.setdefault(change["artifactLocation"]["uri"], change["replacements"])
    changes = result.changes()
    assert set(fixes) == set(changes)
    for relpath, change in changes.items():
        encoding = "utf-8" if change.encoding == "utf-8-sig" else change.encoding
        before = change.before or b""
        assert apply_by_bytes(before, fixes[relpath], encoding) == change.after, relpath
        before_text = before.decode(change.encoding)
        assert apply_by_lines(before_text, fixes[relpath]) == change.after.decode(change.encoding), relpath


def test_sarif_fix_of_a_site_covers_its_whole_file(result: RunResult) -> None:
    log = sarif_log(result)
    calls = [r for r in log["runs"][0]["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/calls.py" and "fixes" in r]
    assert len(calls) == 2
    assert all(len(r["fixes"][0]["artifactChanges"][0]["replacements"]) == 2 for r in calls)
    marker = [r for r in log["runs"][0]["results"] if r["ruleId"] == "fake-marker"]
    assert [c["artifactLocation"]["uri"] for c in marker[0]["fixes"][0]["artifactChanges"]] == [
        "app/marks.py", "marker_notes.py"
    ]


def test_sarif_fix_holds_only_its_own_transforms_edits(tmp_path: Path) -> None:
    # two transforms change one file: each result's fix is its own edit, and applies alone
    original = (
        "STATE = 'TODO_MARK'\n\n\ndef run():\n    first = old_call(1)\n    # keep\n    return old_call(2)\n"
    )
    project = make_repo(tmp_path / "two", {"app/both.py": original.encode()})
    run = run_fakes(project, "fake-rename", "fake-marker")
    log = sarif_log(run)
    validate_sarif(log)
    fixes: dict[str, list[dict[str, Any]]] = {}
    for item in log["runs"][0]["results"]:
        if item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] != "app/both.py" or "fixes" not in item:
            continue
        (fix,) = item["fixes"]
        changes = {c["artifactLocation"]["uri"]: c["replacements"] for c in fix["artifactChanges"]}
        inserted = [r["insertedContent"]["text"] for r in changes["app/both.py"]]
        fixes.setdefault(item["ruleId"], changes["app/both.py"])
        if item["ruleId"] == "fake-rename":
            assert inserted == ["    first = new_call(1)\n", "    return new_call(2)\n"]
            assert set(changes) == {"app/both.py"}
        else:
            assert inserted == ["STATE = 'DONE_MARK'\n"]
            assert set(changes) == {"app/both.py", "marker_notes.py"}
    assert set(fixes) == {"fake-rename", "fake-marker"}
    renamed = apply_by_lines(original, fixes["fake-rename"])
    marked = apply_by_lines(original, fixes["fake-marker"])
    assert "new_call(1)" in renamed and "TODO_MARK" in renamed and "# keep" in renamed
    assert "DONE_MARK" in marked and "old_call(1)" in marked
    for text in (renamed, marked):
        ast.parse(text)
    final = run.changes()["app/both.py"].after.decode()
    assert apply_by_lines(original, fixes["fake-rename"] + fixes["fake-marker"]) == final


class CreatesOnly(Transform):
    """Creates one file and reports no site."""

    name = "creates-only"
    summary = "create a settings module"
    triggers = ()

    def rewrite(self, source: Any) -> None:
        return None

    def new_files(self, project: Any) -> list[NewFile]:
        return [NewFile("app/settings_scaffold.py", "TIMEOUT = 30\n")]


def test_sarif_gives_a_created_file_a_result_of_its_own(project: Path) -> None:
    log = sarif_log(Engine([CreatesOnly()], jobs=1).run([project]))
    validate_sarif(log)
    (created,) = log["runs"][0]["results"]
    assert created["message"]["text"] == "creates app/settings_scaffold.py"
    (change,) = created["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app/settings_scaffold.py"
    assert change["replacements"][0]["insertedContent"]["text"] == "TIMEOUT = 30\n"
    assert change["replacements"][0]["deletedRegion"]["byteLength"] == 0


def test_sarif_reports_failures_as_notifications(project: Path) -> None:
    (project / "app" / "broken.py").write_bytes(b"old_call(\n")
    log = sarif_log(run_fakes(project, "fake-rename"))
    validate_sarif(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert any("broken.py" in json.dumps(n) for n in invocation["toolExecutionNotifications"])


# -- the CLI -------------------------------------------------------------------------------


def test_check_writes_each_format_and_exits_1_when_pending(project: Path, tmp_path: Path) -> None:
    for fmt in ("diff", "markdown", "json", "sarif"):
        target = tmp_path / f"report.{fmt}"
        outcome = fixit("check", str(project), "-j", "1", "--format", fmt, "--output", str(target))
        assert outcome.exit_code == 1, outcome.output
        assert target.stat().st_size > 0
        assert outcome.stdout == ""
    validate_sarif(json.loads((tmp_path / "report.sarif").read_text()))
    assert (project / "app" / "calls.py").read_bytes() == FILES["app/calls.py"]


def test_check_on_a_clean_tree_exits_0(tmp_path: Path) -> None:
    clean = make_repo(tmp_path / "clean", {"a.py": b"x = 1\n"})
    outcome = fixit("check", str(clean), "-j", "1", "--format", "json")
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout)["summary"]["files_changed"] == 0


def test_apply_in_place_with_a_format_reports_what_it_wrote(project: Path) -> None:
    outcome = fixit("apply", "fake-rename", str(project), "-j", "1", "--format", "json")
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    assert report["applied"] is True and report["summary"]["sites_changed"] == 8
    assert b"new_call(1)" in (project / "app" / "calls.py").read_bytes()


def test_format_is_validated(project: Path) -> None:
    outcome = fixit("check", str(project), "--format", "xml")
    assert outcome.exit_code == 2
    assert "unknown format `xml`" in outcome.output


# -- the built-in transforms on the example backend ----------------------------------------


@pytest.mark.skipif(not builtin_transforms() or not EXAMPLE_BACKEND.is_dir(), reason="no built-in transforms yet")
def test_builtin_transforms_produce_valid_reports(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    shutil.copytree(EXAMPLE_BACKEND, backend, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    git(backend, "init", "--quiet")
    # the built-ins themselves (`select` would see the fakes this module installs)
    run = Engine([cls({}) for cls in builtin_transforms().values()], jobs=1).run([backend])
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(json_report(run))
    validate_sarif(sarif_log(run))
    patch = tmp_path / "backend.patch"
    patch.write_bytes(render(run, "diff"))
    if run.changes():
        git(backend, "apply", "--check", str(patch))
    assert sum(1 for s in run.sites if s.action is not Action.SKIPPED) == sum(
        1 for r in sarif_log(run)["runs"][0]["results"] if r["kind"] == "fail"
    )
    # files several built-in transforms change: each rule's fix applies alone and parses, and the
    # rules' fixes together make the final file
    changes = run.changes()
    fixes: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for item in sarif_log(run)["runs"][0]["results"]:
        for fix in item.get("fixes", []):
            for change in fix["artifactChanges"]:
                fixes.setdefault(change["artifactLocation"]["uri"], {})[item["ruleId"]] = change["replacements"]
    shared = {path: rules for path, rules in fixes.items() if len(rules) > 1}
    assert len(shared) >= 2, sorted(fixes)
    for path, rules in shared.items():
        original = (changes[path].before or b"").decode()
        for rule, replacements in rules.items():
            ast.parse(apply_by_lines(original, replacements), f"{path} with only the {rule} fix")
        merged = {json.dumps(r, sort_keys=True): r for replacements in rules.values() for r in replacements}
        assert apply_by_lines(original, list(merged.values())) == changes[path].after.decode()


# -- the CI gate: GitHub Action and pre-commit hooks ---------------------------------------


def _action_script() -> str:
    action = yaml.safe_load((REPOSITORY / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = {step.get("id"): step for step in action["runs"]["steps"]}
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), "inputs reach scripts through env, never inline"
    return steps["check"]["run"]


def _run_action(
    project: Path, tmp_path: Path, fail_on_pending: str = "true", path_prefix: str = "", **inputs: str
) -> tuple[int, str, str, str]:
    """The action's check step as GitHub runs it: (exit status, job summary, outputs, stdout)."""
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    summary.write_text(""), outputs.write_text("")
    environment = {
        **os.environ,
        "PATH": f"{path_prefix}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "FIXIT_TRANSFORMS": "all", "FIXIT_PATHS": str(project), "FIXIT_WORKING_DIRECTORY": ".", "FIXIT_ARGS": "",
        "FIXIT_FAIL_ON_PENDING": fail_on_pending, "FIXIT_SARIF_FILE": str(tmp_path / "out.sarif"),
        "FIXIT_ANNOTATIONS": "true",
        "RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
        **{f"FIXIT_{name.upper()}": value for name, value in inputs.items()},
    }
    script = ["bash", "-e", "-c", _action_script()]
    done = subprocess.run(script, env=environment, capture_output=True, text=True, check=False, cwd=tmp_path)
    return done.returncode, summary.read_text(), outputs.read_text(), done.stdout


def _copy_example(tmp_path: Path) -> Path:
    backend = tmp_path / "backend"
    shutil.copytree(EXAMPLE_BACKEND, backend, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return backend


@pytest.mark.skipif(not builtin_transforms() or not EXAMPLE_BACKEND.is_dir(), reason="no built-in transforms yet")
def test_action_writes_the_summary_the_sarif_and_the_annotations_from_one_run(tmp_path: Path) -> None:
    backend = _copy_example(tmp_path)

    status, summary, outputs, stdout = _run_action(backend, tmp_path)

    assert status == 1
    assert summary.startswith("## fixit: ") and "<details>" in summary
    assert "pending=true" in outputs
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    validate_sarif(sarif)
    annotations = [line for line in stdout.splitlines() if line.startswith("::warning file=")]
    # the three come from the same run: as many annotations as SARIF results that change or need review
    shown = [r for run in sarif["runs"] for r in run["results"] if r["properties"]["action"] != "skipped"]
    assert annotations and len(annotations) == len(shown)
    assert _run_action(backend, tmp_path, fail_on_pending="false")[0] == 0


@pytest.mark.skipif(not builtin_transforms() or not EXAMPLE_BACKEND.is_dir(), reason="no built-in transforms yet")
def test_action_takes_transforms_args_and_a_working_directory(tmp_path: Path) -> None:
    backend = _copy_example(tmp_path)
    sarif = tmp_path / "from-workspace.sarif"

    status, summary, _, stdout = _run_action(
        Path("."), tmp_path, transforms="database-dep,timeouts", working_directory=str(backend),
        args="--exclude app/services/*", sarif_file=sarif.name, annotations="false",
    )

    assert status == 1 and summary.startswith("## fixit: ")
    assert "### fixit(database-dep)" in summary and "async-with" not in summary
    assert "app/services/" not in summary and "fixit(timeouts)" not in summary  # --exclude reached fixit
    assert sarif.is_file()  # relative to where the job runs, not to working-directory
    assert "::warning file=" not in stdout


def test_action_cuts_a_long_summary_without_leaving_a_code_fence_open(tmp_path: Path) -> None:
    # a stand-in `fixit` that writes a 3 MB Markdown report of diffs in fences inside <details>
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "fixit").write_text(
        "#!/usr/bin/env python3\n"
        "import sys\n"
        "args = sys.argv[1:]\n"
        "target = next(a.split('=', 1)[1] for a in args if a.startswith('markdown='))\n"
        "block = '<details><summary>f</summary>\\n\\n````diff\\n' + '+ ```nested\\n' * 3000 + '````\\n\\n</details>\\n\\n'\n"
        "open(target, 'w').write('## fixit: many files\\n\\n' + block * 100)\n"
        "sys.exit(1)\n"
    )
    (fake / "fixit").chmod(0o755)

    status, summary, _, _ = _run_action(tmp_path, tmp_path, path_prefix=f"{fake}{os.pathsep}", sarif_file="")

    assert status == 1
    assert len(summary.encode()) <= 1_000_000 and "Report cut at 1 MB" in summary
    lines = summary.splitlines()
    assert lines.count("````diff") == lines.count("````")  # every fence opened is closed
    assert summary.count("<details>") == summary.count("</details>")


def test_action_installs_the_project_requirements_from_a_file_or_as_a_pip_argument(tmp_path: Path) -> None:
    action = yaml.safe_load((REPOSITORY / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "requirements")
    assert step["working-directory"] == "${{ inputs.working-directory }}"
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "pip.log"
    (fake / "python").write_text(f"#!/bin/sh\necho \"$*\" >> {log}\n")
    (fake / "python").chmod(0o755)
    (tmp_path / "requirements.txt").write_text("rtoml\n")
    for value in ("requirements.txt", ".[server]"):
        environment = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "FIXIT_REQUIREMENTS": value}
        subprocess.run(["bash", "-e", "-c", step["run"]], env=environment, cwd=tmp_path, check=True)
    assert log.read_text().splitlines() == [
        "-m pip install --disable-pip-version-check --quiet -r requirements.txt",
        "-m pip install --disable-pip-version-check --quiet .[server]",
    ]


def test_action_uses_the_callers_python_unless_asked_and_caches_pip() -> None:
    action = yaml.safe_load((REPOSITORY / "action.yml").read_text())
    assert action["inputs"]["python-version"]["default"] == ""
    setup = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["if"] == "inputs.python-version != ''"
    assert any(s.get("uses", "").startswith("actions/cache") for s in action["runs"]["steps"])


def test_action_passes_on_a_clean_project(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.py").write_text("x = 1\n")
    status, summary, outputs, _ = _run_action(clean, tmp_path)
    assert (status, "pending=false" in outputs) == (0, True)
    assert summary.startswith("## fixit: nothing to change")


def test_pre_commit_hooks_run_fixit_commands(tmp_path: Path) -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"fixit-check", "fixit-apply"}
    clean = make_repo(tmp_path / "clean", {"a.py": b"x = 1\n"})
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        command = [str(Path(sys.executable).parent / "fixit"), *hook["entry"].split()[1:], *hook["args"]]
        assert subprocess.run(command, cwd=clean, capture_output=True, check=False).returncode == 0
