"""`fixit batch` on real local repositories: statuses, pushes, the ledger, --resume, Ctrl-C, Dask."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import write
from fixit_codemods.batch.executors import LocalExecutor
from fixit_codemods.batch.ledger import Ledger
from fixit_codemods.batch.manifest import ManifestError, load_manifest
from fixit_codemods.batch.runner import BatchSettings, plan_jobs, run_batch, workspace_lock
from fixit_codemods.cli.main import app
from typer.testing import CliRunner

cli = CliRunner()
FIXED_DATE = "2024-01-02T03:04:05+00:00"
CHANGED, CLEAN = "OLD_NAME = 1\n", "nothing = 1\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(autouse=True)
def git_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Clones have no repository-local identity: commits take it from the environment, at a fixed
    date so that two runs on the same repositories make the same commits."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Batch Bot")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "bot@example.com")
        monkeypatch.setenv(f"GIT_{who}_DATE", FIXED_DATE)


def make_remote(root: Path, name: str, files: dict[str, str], branches: dict[str, dict[str, str]] | None = None) -> Path:
    """A bare repository `root/remotes/<name>.git` whose main branch holds `files` (and other
    branches with their own extra files), made from a working repository with a local identity."""
    work = root / "work" / name
    work.mkdir(parents=True)
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "config", "user.name", "Repo Owner")
    git(work, "config", "user.email", "owner@example.com")
    for relpath, text in files.items():
        write(work / relpath, text)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", "initial")
    for branch, extra in (branches or {}).items():
        git(work, "checkout", "--quiet", "-b", branch)
        for relpath, text in extra.items():
            write(work / relpath, text)
        git(work, "add", "--all")
        git(work, "commit", "--quiet", "-m", f"on {branch}")
        git(work, "checkout", "--quiet", "main")
    bare = root / "remotes" / f"{name}.git"
    git(root, "clone", "--quiet", "--bare", str(work), str(bare))
    return bare


def branches_of(bare: Path) -> dict[str, str]:
    listing = git(bare, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/fixit/")
    return dict(line.split() for line in listing.splitlines())


@pytest.fixture
def fleet(tmp_path: Path) -> dict[str, Any]:
    """22 repositories and a manifest of 23 entries: changed, clean, one with a file that does not
    parse, a monorepo folder at a ref, one URL in file:// form, and a path that does not exist."""
    remotes: dict[str, Path] = {}
    lines = ["# the fleet", ""]
    remotes["svc0"] = make_remote(tmp_path, "svc0", {"app/__init__.py": "", "app/a.py": CHANGED})
    remotes["clean0"] = make_remote(tmp_path, "clean0", {"app/a.py": CLEAN})
    for kind, copies in (("svc", 15), ("clean", 4)):  # copies of a bare repository are repositories of their own
        for number in range(1, copies):
            remotes[f"{kind}{number}"] = Path(shutil.copytree(remotes[f"{kind}0"], tmp_path / "remotes" / f"{kind}{number}.git"))
    remotes["broken"] = make_remote(
        tmp_path, "broken", {"app/a.py": CHANGED, "app/broken.py": "OLD_NAME = (\n", "app/c.py": CLEAN}
    )
    remotes["mono"] = make_remote(
        tmp_path, "mono", {"services/web/w.py": CHANGED, "services/api/x.py": CLEAN},
        branches={"release": {"services/api/x.py": CHANGED}},
    )
    remotes["url"] = make_remote(tmp_path, "url", {"u.py": CHANGED})
    lines += [f"remotes/{name}.git" for name in remotes if name not in ("mono", "url")]
    lines += [
        "remotes/mono.git@release#services/api   # the API folder, at the release branch",
        f"{remotes['url'].as_uri()}",
        "remotes/missing.git",
    ]
    manifest = write(tmp_path / "repos.txt", "\n".join(lines) + "\n")
    return {"root": tmp_path, "remotes": remotes, "manifest": manifest, "workspace": tmp_path / "ws"}


def run_cli(*args: str) -> Any:
    return cli.invoke(app, list(args))


def expected_status(name: str) -> str:
    return "unchanged" if name.startswith("clean") else "changed"


def test_a_fleet_gets_the_right_status_each_and_branches_only_where_something_changed(
    fleet: dict[str, Any], fake_registry: dict
) -> None:
    report = fleet["root"] / "report.json"
    result = run_cli(
        "batch", "rename", str(fleet["manifest"]), "--workspace", str(fleet["workspace"]),
        "--jobs", "4", "--push", "--report", str(report), "--pr-body", str(fleet["root"] / "bodies"),
    )
    assert result.exit_code == 1, result.output  # the missing repository failed
    document = json.loads(report.read_text())
    records = {record["repo"]: record for record in document["repositories"]}
    assert len(document["repositories"]) == 23
    assert document["summary"] == {"changed": 18, "unchanged": 4, "failed": 1}
    for name, bare in fleet["remotes"].items():
        written = bare.as_uri() if name == "url" else (
            "remotes/mono.git@release#services/api" if name == "mono" else f"remotes/{name}.git"
        )
        record = records[written]
        assert record["status"] == expected_status(name), record
        pushed = branches_of(bare)
        if record["status"] == "changed":
            assert pushed == {record["branch"]: record["commit"]}
            assert record["pushed"] == "origin" and record["sites"] >= 1
        else:
            assert pushed == {} and record["branch"] is None and record["files"] == []

    # the pushed branch holds the fix, as one commit on the base
    svc = fleet["remotes"]["svc3"]
    assert git(svc, "show", "fixit/rename:app/a.py") == "NEW_NAME = 1"
    assert git(svc, "rev-parse", "fixit/rename^") == git(svc, "rev-parse", "main")
    assert git(svc, "log", "-1", "--format=%s", "fixit/rename") == "fixit(rename): rename 1 names"

    broken = records["remotes/broken.git"]
    assert broken["files"] == ["app/a.py"]
    assert [error.split(":")[0] for error in broken["errors"]] == ["app/broken.py"]
    assert "remotes/broken.git: fixit/rename" in result.output and "1 failed: app/broken.py" in result.output

    mono = records["remotes/mono.git@release#services/api"]
    assert mono["branch"] == "fixit/rename-services-api" and mono["path"] == "services/api"
    assert mono["base"] == git(fleet["remotes"]["mono"], "rev-parse", "release")
    assert mono["files"] == ["services/api/x.py"]  # the web folder is not part of this entry

    missing = records["remotes/missing.git"]
    assert missing["status"] == "failed" and missing["line"] == 25
    assert "does not exist" in missing["errors"][0]

    bodies = sorted(path.name for path in (fleet["root"] / "bodies").iterdir())
    assert len(bodies) == 18 and "mono-services-api.md" in bodies
    assert "## fixit(rename): rename 1 names" in (fleet["root"] / "bodies" / "svc3.md").read_text()

    status = run_cli("batch", "status", "--workspace", str(fleet["workspace"]))
    assert status.exit_code == 0, status.output
    assert "remotes/missing.git" in status.output and "does not exist" in status.output
    assert "1 failed" in status.output and "18 changed" in status.output and "4 unchanged" in status.output


def test_resume_redoes_nothing_already_done(fleet: dict[str, Any], fake_registry: dict) -> None:
    args = ["batch", "rename", str(fleet["manifest"]), "--workspace", str(fleet["workspace"]), "--jobs", "4", "--push"]
    assert run_cli(*args).exit_code == 1
    ledger = Ledger(fleet["workspace"])
    before = {row.repo: (row.state, row.attempts, row.finished) for row in ledger.rows()}
    pushed_before = {name: branches_of(bare) for name, bare in fleet["remotes"].items()}

    report = fleet["root"] / "resumed.json"
    again = run_cli(*args, "--resume", "--report", str(report))
    assert again.exit_code == 1  # the missing repository is tried again, and fails again
    after = {row.repo: (row.state, row.attempts, row.finished) for row in ledger.rows()}
    ledger.close()
    for repo, (state, attempts, finished) in before.items():
        if state == "failed":
            assert after[repo][1] == attempts + 1
        else:
            assert after[repo] == (state, attempts, finished), repo
    assert {name: branches_of(bare) for name, bare in fleet["remotes"].items()} == pushed_before
    records = json.loads(report.read_text())["repositories"]
    assert [r["resumed"] for r in records if r["status"] != "failed"] == [True] * 22
    assert "22 already done, skipped" in again.output

    # without --resume the same batch is refused where the branch exists: nothing is replaced silently
    refused = run_cli(*args[:-1], "--report", str(report))
    assert refused.exit_code == 1
    statuses = [r["status"] for r in json.loads(report.read_text())["repositories"]]
    assert statuses.count("unchanged") == 4 and statuses.count("failed") == 19
    assert "already exists" in refused.output


def test_a_reused_clone_is_fetched_not_cloned_again(tmp_path: Path, fake_registry: dict) -> None:
    bare = make_remote(tmp_path, "svc", {"a.py": CLEAN})
    manifest = write(tmp_path / "repos.txt", "remotes/svc.git\n")
    workspace = tmp_path / "ws"
    first = run_cli("batch", "--jobs", "1", "rename", str(manifest), "--workspace", str(workspace))  # options first
    assert first.exit_code == 0 and "unchanged" in first.output
    clone = next((workspace / "clones").iterdir())
    marker = write(clone / ".git" / "kept-by-fetch", "")

    work = tmp_path / "work" / "svc"  # a new commit upstream: the next run must see it
    write(work / "a.py", CHANGED)
    git(work, "commit", "--quiet", "-am", "regression")
    git(work, "push", "--quiet", str(bare), "main")

    second = run_cli("batch", "rename", str(manifest), "--workspace", str(workspace), "--push")
    assert second.exit_code == 0, second.output
    assert marker.exists() and list((workspace / "clones").iterdir()) == [clone]
    assert git(bare, "show", "fixit/rename:a.py") == "NEW_NAME = 1"


def test_ctrl_c_leaves_the_ledger_consistent_and_resume_finishes(
    tmp_path: Path, fake_registry: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    remotes = [make_remote(tmp_path, name, {"a.py": CHANGED}) for name in ("one", "two", "three")]
    entries = load_manifest(write(tmp_path / "repos.txt", "remotes/one.git\nremotes/two.git\nremotes/three.git\n"))
    settings = BatchSettings("rename", str(tmp_path / "ws"), "fixit/rename", push="origin")
    jobs = plan_jobs(entries, settings)

    class InterruptedAfterTwo(LocalExecutor):
        """Ctrl-C while the coordinator receives the second result: `two` was pushed, but the
        ledger cannot know it."""

        def results(self, function, items):  # type: ignore[no-untyped-def]
            for done, outcome in enumerate(super().results(function, items)):
                if done == 1:
                    raise KeyboardInterrupt
                yield outcome

    ledger = Ledger(tmp_path / "ws")
    with pytest.raises(KeyboardInterrupt):
        run_batch(jobs, settings, ledger, InterruptedAfterTwo(1))
    assert [row.state for row in ledger.rows()] == ["changed", "interrupted", "interrupted"]
    assert ledger.connection.execute("SELECT state FROM runs").fetchone()[0] == "interrupted"
    pushed_by_the_interrupted_attempt = branches_of(remotes[1])["fixit/rename"]

    for who in ("AUTHOR", "COMMITTER"):  # the retry makes different commits of the same change
        monkeypatch.setenv(f"GIT_{who}_DATE", "2024-06-07T08:09:10+00:00")
    outcome = run_batch(jobs, settings, ledger, LocalExecutor(1), resume=True)
    assert [(r["status"], r["resumed"]) for r in outcome.records] == [
        ("changed", True), ("changed", False), ("changed", False)
    ]
    assert outcome.records[1]["commit"] == pushed_by_the_interrupted_attempt == branches_of(remotes[1])["fixit/rename"]
    assert [row.attempts for row in ledger.rows()] == [1, 2, 2]
    ledger.close()


def dask_fleet(tmp_path: Path) -> Path:
    make_remote(tmp_path, "svc", {"app/a.py": CHANGED})
    make_remote(tmp_path, "clean", {"app/a.py": CLEAN})
    make_remote(tmp_path, "broken", {"app/a.py": CHANGED, "app/b.py": "OLD_NAME = (\n"})
    make_remote(tmp_path, "mono", {"api/a.py": CHANGED, "web/w.py": CHANGED})
    lines = ["remotes/svc.git", "remotes/clean.git", "remotes/broken.git", "remotes/mono.git#api",
             "remotes/mono.git#web", "remotes/missing.git"]
    return write(tmp_path / "repos.txt", "\n".join(lines) + "\n")


def test_dask_local_cluster_gives_the_same_report_and_ledger_as_the_local_pool(
    tmp_path: Path, fake_registry: dict
) -> None:
    pytest.importorskip("distributed")
    from fixit_codemods.batch.executors import DaskExecutor

    jobs = plan_jobs(load_manifest(dask_fleet(tmp_path)), BatchSettings("rename", "", "fixit/rename"))
    outcomes = {}
    for name, executor in {"local": LocalExecutor(2), "dask": DaskExecutor(workers=2, processes=False)}.items():
        settings = BatchSettings("rename", str(tmp_path / f"ws-{name}"), "fixit/rename")
        ledger = Ledger(Path(settings.workspace))
        outcomes[name] = (
            run_batch(jobs, settings, ledger, executor).records,
            [(row.repo, row.state, row.branch, row.commit, row.files, row.sites) for row in ledger.rows()],
        )
        ledger.close()
    assert outcomes["dask"] == outcomes["local"]
    statuses = [record["status"] for record in outcomes["local"][0]]
    assert statuses == ["changed", "unchanged", "changed", "changed", "changed", "failed"]


# -- manifests --------------------------------------------------------------------------------


def test_text_manifest_entries(tmp_path: Path) -> None:
    manifest = write(tmp_path / "m" / "repos.txt", """\
# services
https://github.com/acme/billing.git
git@github.com:acme/search.git@release-2.1#services/api   # a folder at a tag
ssh://git@gitlab.example.com:2222/platform/mono.git#web/
../checkouts/payments@main
file:///srv/git/legacy.git
""")
    entries = load_manifest(manifest)
    assert [(e.repo, e.line, e.ref, e.subdir) for e in entries] == [
        ("https://github.com/acme/billing.git", 2, None, None),
        ("git@github.com:acme/search.git@release-2.1#services/api", 3, "release-2.1", "services/api"),
        ("ssh://git@gitlab.example.com:2222/platform/mono.git#web/", 4, None, "web"),
        ("../checkouts/payments@main", 5, "main", None),
        ("file:///srv/git/legacy.git", 6, None, None),
    ]
    assert entries[1].location == "git@github.com:acme/search.git"
    assert entries[3].location == str(tmp_path / "checkouts" / "payments")


def test_text_manifest_mistakes_are_all_reported_with_their_line(tmp_path: Path) -> None:
    manifest = write(tmp_path / "repos.txt", """\
https://github.com/acme/ok.git
ext::sh
-uhack
http://example.com/plain.git
example.com:acme/x.git
git@-oProxyCommand=touch:x.git
ssh://-oProxyCommand=x/y.git
fd::3
repo@
repo#../outside
two words
https://github.com/acme/ok.git
""")
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest)
    problems = caught.value.problems
    assert [int(problem.split(":")[1]) for problem in problems] == list(range(2, 13))
    assert "remote-helper transports (ext::)" in problems[0]
    assert "starts with '-'" in problems[1]
    assert "unsupported scheme http://" in problems[2]
    assert "first on line 1" in problems[-1]


def test_toml_manifest_with_options_and_mistakes(tmp_path: Path) -> None:
    good = write(tmp_path / "good.toml", """\
[[repo]]
url = "https://github.com/acme/billing.git"

[[repo]]
url = "git@github.com:acme/mono.git"
ref = "main"
path = "services/api"
branch = "fixit/api-timeouts"
[repo.options.timeouts]
timeout = 30
""")
    entries = load_manifest(good)
    assert [(e.line, e.ref, e.subdir, e.branch) for e in entries] == [
        (1, None, None, None), (4, "main", "services/api", "fixit/api-timeouts")
    ]
    assert entries[1].options == {"timeouts": {"timeout": 30}}

    bad = write(tmp_path / "bad.toml", """\
[[repo]]
url = "https://github.com/acme/ok.git"

[[repo]]
url = "ext::sh -c touch% /tmp/owned"

[[repo]]
url = "https://github.com/acme/x.git"
colour = "blue"
""")
    with pytest.raises(ManifestError) as caught:
        load_manifest(bad)
    assert [problem.split(":")[1] for problem in caught.value.problems] == ["4", "7"]


def test_cli_usage_errors_exit_2(tmp_path: Path, fake_registry: dict) -> None:
    manifest = write(tmp_path / "repos.txt", "ok\n--upload-pack=evil\n")
    result = run_cli("batch", "rename", str(manifest), "--workspace", str(tmp_path / "ws"))
    assert result.exit_code == 2 and "repos.txt:2:" in result.output
    good = write(tmp_path / "good.txt", "ok\n")
    assert run_cli("batch", "nope", str(good)).exit_code == 2
    assert run_cli("batch", "rename", str(good), "--executor", "slurm").exit_code == 2
    assert run_cli("batch", "rename", str(good), "--branch", "bad..name").exit_code == 2
    assert run_cli("batch", "status", "--workspace", str(tmp_path / "nothing-here")).exit_code == 2
    assert not (tmp_path / "nothing-here").exists()
    with workspace_lock(tmp_path / "busy"):
        busy = run_cli("batch", "rename", str(good), "--workspace", str(tmp_path / "busy"))
    assert busy.exit_code == 2 and "another fixit batch is running" in busy.output


# -- the real command, in a subprocess, with a built-in transform ----------------------------------

LLM_CALL = """\
from openai import AsyncOpenAI

client = AsyncOpenAI()


async def ask(question):
    return await client.chat.completions.create(model="gpt-4o", messages=[question])
"""


def fixit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    return subprocess.run([sys.executable, "-m", "fixit_codemods.cli.main", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_fixit_batch_command_with_the_timeouts_transform(tmp_path: Path) -> None:
    pytest.importorskip("fixit_codemods.transforms.timeouts")
    llm = make_remote(tmp_path, "llm", {"app/llm.py": LLM_CALL})
    make_remote(tmp_path, "plain", {"app/main.py": CLEAN})
    write(tmp_path / "repos.txt", "remotes/llm.git\nremotes/plain.git\n")

    run = fixit("batch", "timeouts", "repos.txt", "--push", "--report", "report.json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    records = json.loads((tmp_path / "report.json").read_text())["repositories"]
    assert [(r["repo"], r["status"], r["branch"]) for r in records] == [
        ("remotes/llm.git", "changed", "fixit/timeouts"), ("remotes/plain.git", "unchanged", None)
    ]
    assert "asyncio.wait_for" in git(llm, "show", "fixit/timeouts:app/llm.py")
    assert (tmp_path / ".fixit-batch" / "ledger.sqlite3").is_file()  # the default workspace

    status = fixit("batch", "status", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "remotes/llm.git" in status.stdout and "changed" in status.stdout and "fixit/timeouts" in status.stdout


def test_a_malformed_url_is_a_manifest_mistake_with_its_line(tmp_path: Path) -> None:
    manifest = write(tmp_path / "repos.txt", "https://github.com/acme/ok.git\nhttps://[::1/x\nhttps://example.com:99999/x\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest)
    problems = caught.value.problems
    assert [int(problem.split(":")[1]) for problem in problems] == [2, 3]
    assert all("not a valid URL" in problem for problem in problems)


# -- the report ---------------------------------------------------------------------------------

BATCH_REPORT_SCHEMA = Path(__file__).resolve().parent.parent / "codemods" / "schemas" / "batch-report-v1.json"


def test_a_repository_row_lists_the_files_that_failed_in_it(tmp_path: Path, fake_registry: dict) -> None:
    import jsonschema

    make_remote(tmp_path, "changed", {"app/a.py": CHANGED, "app/broken.py": "OLD_NAME = (\n"})
    make_remote(tmp_path, "unchanged", {"app/a.py": CLEAN, "app/z.py": "OLD_NAME = [\n", "app/b.py": "def f(:\n"})
    make_remote(tmp_path, "fine", {"app/a.py": CHANGED})
    manifest = write(tmp_path / "repos.txt", "remotes/changed.git\nremotes/unchanged.git\nremotes/fine.git\n")
    report = tmp_path / "report.json"
    result = run_cli("batch", "rename", str(manifest), "--workspace", str(tmp_path / "ws"), "--jobs", "1",
                     "--report", str(report))
    assert result.exit_code == 0, result.output
    document = json.loads(report.read_text())
    schema = json.loads(BATCH_REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    rows = {record["repo"]: record for record in document["repositories"]}
    assert (rows["remotes/changed.git"]["status"], rows["remotes/changed.git"]["failed_files"]) == (
        "changed", ["app/broken.py"]
    )
    assert rows["remotes/changed.git"]["files"] == ["app/a.py"]
    assert rows["remotes/unchanged.git"]["failed_files"] == ["app/z.py"]  # b.py has no trigger: never parsed
    assert rows["remotes/fine.git"]["failed_files"] == []

    documentation = (Path(__file__).resolve().parent.parent / "docs" / "json-schema.md").read_text()
    keys = [*schema["properties"], *schema["$defs"]["repository"]["properties"]]
    assert [key for key in keys if f"`{key}`" not in documentation] == []
