"""`fixit apply … --branch`: real temporary repositories, the real engine, fake transforms."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fixit_codemods import __version__
from fixit_codemods.cli.main import DEFAULT_BRANCH, app, expand_optional_values
from fixit_codemods.gitops import GitOpsError, branch_name_problem, cut_branch, default_branch_name
from report_fakes import git, isolate, make_repo, run_fakes
from typer.testing import CliRunner

SOURCES = {
    "app/__init__.py": b"",
    "app/calls.py": b"def run():\n    old_call(1)\n    review_me()\n    return old_call(2)\n",
    "app/marks.py": b"STATE = 'TODO_MARK'\n",
    "app/plain.py": b"VALUE = 1\n",
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)  # the scratch folder temporary worktrees go to


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo", SOURCES)
    monkeypatch.chdir(root)
    return root


def fixit(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def snapshot(root: Path) -> dict[str, object]:
    """Everything of the user's that fixit must not touch."""
    files = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
    return {
        "files": files,
        "index": (root / ".git" / "index").read_bytes(),
        "status": git(root, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all"),
        "stash": git(root, "stash", "list"),
        "head": git(root, "rev-parse", "HEAD"),
        "checked_out": git(root, "symbolic-ref", "HEAD"),
    }


def assert_no_worktree_left(root: Path, scratch: Path) -> None:
    assert git(root, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert not list((root / ".git").glob("worktrees/*"))
    assert list(scratch.iterdir()) == []


def commits_on(root: Path, branch: str, base: str = "main") -> list[str]:
    return git(root, "rev-list", "--reverse", f"{base}..{branch}").split()


def message(root: Path, sha: str) -> str:
    return git(root, "log", "-1", "--format=%B", sha)


def make_dirty(root: Path) -> None:
    """Staged and unstaged edits, untracked files and a stash entry."""
    (root / "app" / "plain.py").write_bytes(b"VALUE = 2  # stashed\n")
    git(root, "stash", "push", "--quiet", "-m", "user stash")
    (root / "app" / "calls.py").write_bytes(SOURCES["app/calls.py"] + b"old_call(3)  # uncommitted\n")
    (root / "app" / "marks.py").write_bytes(b"STATE = 'TODO_MARK'  # staged\n")
    git(root, "add", "app/marks.py")
    (root / "notes.txt").write_bytes(b"untracked \xff bytes\r\n")
    (root / "app" / "new_module.py").write_bytes(b"old_call(9)\n")


# -- the user's state survives -------------------------------------------------------------


def test_dirty_tree_survives_and_each_transform_is_one_commit(repo: Path, _isolated: Path) -> None:
    make_dirty(repo)
    before = snapshot(repo)

    outcome = fixit("apply", "all", ".", "--branch", "-j", "1")

    assert outcome.exit_code == 0, outcome.output
    assert snapshot(repo) == before
    assert_no_worktree_left(repo, _isolated)
    assert "uncommitted changes are not part of branch `fixit/all`" in outcome.output
    assert "notes.txt" in outcome.output
    shas = commits_on(repo, "fixit/all")
    assert [git(repo, "log", "-1", "--format=%s", sha).strip() for sha in shas] == [
        "fixit(fake-rename): rename 2 old_call calls",
        "fixit(fake-marker): mark 1 things done",
    ]
    assert [message(repo, sha).rstrip().splitlines()[-2:] for sha in shas] == [
        ["Fixit-Transform: fake-rename", f"Fixit-Version: {__version__}"],
        ["Fixit-Transform: fake-marker", f"Fixit-Version: {__version__}"],
    ]
    # the branch holds HEAD's content, transformed; none of the uncommitted work
    assert git(repo, "show", "fixit/all:app/calls.py") == "def run():\n    new_call(1)\n    review_me()\n    return new_call(2)\n"
    assert git(repo, "show", "fixit/all:app/marks.py") == "STATE = 'DONE_MARK'\n"
    assert git(repo, "show", "fixit/all:marker_notes.py").startswith("# notes written by fake-marker")
    assert "app/new_module.py" not in git(repo, "ls-tree", "-r", "--name-only", "fixit/all")
    assert git(repo, "diff", "--name-only", f"{shas[0]}~1", shas[0]).split() == ["app/calls.py"]
    assert sorted(git(repo, "diff", "--name-only", shas[0], shas[1]).split()) == ["app/marks.py", "marker_notes.py"]
    author = git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>", shas[1]).strip()
    assert author == "Test Person <test@example.com>|Test Person <test@example.com>"


def test_commit_message_sections_and_trailers(repo: Path) -> None:
    assert fixit("apply", "fake-rename", ".", "--branch", "-j", "1").exit_code == 0
    (sha,) = commits_on(repo, "fixit/fake-rename")
    text = message(repo, sha)
    assert text.splitlines()[0] == "fixit(fake-rename): rename 2 old_call calls"
    for expected in (
        "Why:\nold_call leaks a connection on every error",
        "What changed:\n- app/calls.py: 2 sites, lines 2, 4",
        (
            "What needs review:\n- app/calls.py:3: review_me is dynamic: left alone\n"
            "- Behaviour change: new_call raises TimeoutError where old_call hung."
        ),
        "How to verify:\n",
        "fixit apply fake-rename --check .",
    ):
        assert expected in text
    parsed = subprocess.run(
        ["git", "interpret-trailers", "--parse"], input=text, capture_output=True, text=True, check=True
    ).stdout
    assert parsed == f"Fixit-Transform: fake-rename\nFixit-Version: {__version__}\n"
    assert all(len(line) <= 72 for line in text.splitlines())


def test_run_notes_appear_in_the_commit_message(repo: Path) -> None:
    assert fixit("apply", "fake-marker", ".", "--branch=marks", "-j", "1").exit_code == 0
    (sha,) = commits_on(repo, "marks")
    assert "- Note: run `make marks` once after merging" in message(repo, sha)


# -- existing branches, --force ------------------------------------------------------------


def test_existing_branch_is_refused_and_force_replaces_it(repo: Path, _isolated: Path) -> None:
    git(repo, "branch", "fixit/fake-rename")
    old_tip = git(repo, "rev-parse", "fixit/fake-rename")

    refused = fixit("apply", "fake-rename", ".", "--branch", "-j", "1")

    assert refused.exit_code == 2
    assert "branch `fixit/fake-rename` already exists; use --force" in refused.output
    assert git(repo, "rev-parse", "fixit/fake-rename") == old_tip
    assert_no_worktree_left(repo, _isolated)

    replaced = fixit("apply", "fake-rename", ".", "--branch", "--force", "-j", "1")

    assert replaced.exit_code == 0, replaced.output
    assert "Replaced branch fixit/fake-rename" in replaced.output
    assert len(commits_on(repo, "fixit/fake-rename")) == 1
    assert git(repo, "rev-parse", "fixit/fake-rename~1") == git(repo, "rev-parse", "main")


def test_force_never_replaces_the_checked_out_branch(repo: Path) -> None:
    outcome = fixit("apply", "fake-rename", ".", "--branch=main", "--force", "-j", "1")
    assert outcome.exit_code == 2
    assert "is checked out" in outcome.output
    assert len(git(repo, "rev-list", "main").split()) == 1


# -- push, subfolders, refusals ------------------------------------------------------------


def test_push_reaches_a_local_bare_remote(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))

    outcome = fixit("apply", "fake-rename", ".", "--branch", "--push", "-j", "1")

    assert outcome.exit_code == 0, outcome.output
    assert "Pushed fixit/fake-rename to origin" in outcome.output
    assert git(remote, "rev-parse", "refs/heads/fixit/fake-rename") == git(repo, "rev-parse", "fixit/fake-rename")


def test_push_to_a_named_remote_and_forced_update(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "mirror.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(repo, "remote", "add", "mirror", str(remote))
    assert fixit("apply", "fake-rename", ".", "--branch=review/x", "--push", "mirror", "-j", "1").exit_code == 0
    (repo / "app" / "extra.py").write_bytes(b"old_call(5)\n")
    git(repo, "add", "app/extra.py")
    git(repo, "commit", "--quiet", "-m", "more")

    outcome = fixit("apply", "fake-rename", ".", "--branch=review/x", "--force", "--push=mirror", "-j", "1")

    assert outcome.exit_code == 0, outcome.output
    assert git(remote, "rev-parse", "refs/heads/review/x") == git(repo, "rev-parse", "review/x")
    assert git(repo, "rev-parse", "review/x~1") == git(repo, "rev-parse", "main")


def test_unknown_remote_is_refused_before_any_work(repo: Path) -> None:
    outcome = fixit("apply", "fake-rename", ".", "--branch", "--push", "nowhere", "-j", "1")
    assert outcome.exit_code == 2
    assert "no remote named `nowhere`" in outcome.output
    assert git(repo, "branch", "--list", "fixit/*") == ""


def test_failed_push_keeps_the_local_branch_and_exits_1(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "add", "origin", str(tmp_path / "missing.git"))
    outcome = fixit("apply", "fake-rename", ".", "--branch", "--push", "-j", "1")
    assert outcome.exit_code == 1
    assert "was created, but pushing it to `origin` failed" in outcome.output
    assert len(commits_on(repo, "fixit/fake-rename")) == 1


@pytest.mark.parametrize("args", [["../backend", "--branch"], ["--branch", "../backend"]])
def test_subfolder_path_is_mapped_into_the_worktree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    root = make_repo(tmp_path / "mono", {"backend/api.py": b"old_call(1)\n", "tools/script.py": b"old_call(2)\n"})
    monkeypatch.chdir(root / "tools")

    outcome = fixit("apply", "fake-rename", *args, "-j", "1")

    assert outcome.exit_code == 0, outcome.output
    (sha,) = commits_on(root, "fixit/fake-rename")
    assert git(root, "diff", "--name-only", f"{sha}~1", sha).split() == ["backend/api.py"]
    text = message(root, sha)
    assert "- backend/api.py: 1 site, line 1" in text
    assert "fixit apply fake-rename --check backend" in text


def test_path_outside_any_repository_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "code.py").write_bytes(b"old_call(1)\n")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    outcome = fixit("apply", "fake-rename", str(plain), "--branch", "-j", "1")
    assert outcome.exit_code == 2
    assert "is not inside a git repository; --branch needs one" in outcome.output
    assert (plain / "code.py").read_bytes() == b"old_call(1)\n"


def test_untracked_path_is_refused(repo: Path) -> None:
    (repo / "fresh").mkdir()
    (repo / "fresh" / "x.py").write_bytes(b"old_call(1)\n")
    outcome = fixit("apply", "fake-rename", "fresh", "--branch", "-j", "1")
    assert outcome.exit_code == 2
    assert "fresh is not in HEAD" in outcome.output


def test_nothing_to_change_makes_no_branch(repo: Path, _isolated: Path) -> None:
    outcome = fixit("apply", "fake-noop", ".", "--branch", "-j", "1")
    assert outcome.exit_code == 0, outcome.output
    assert "Nothing to change: no branch created." in outcome.output
    assert git(repo, "branch", "--list", "fixit/*") == ""
    assert_no_worktree_left(repo, _isolated)


def test_missing_identity_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated: Path) -> None:
    root = make_repo(tmp_path / "anon", {"a.py": b"old_call(1)\n"}, identity=False)
    monkeypatch.chdir(root)
    outcome = fixit("apply", "fake-rename", ".", "--branch", "-j", "1")
    assert outcome.exit_code == 2
    assert "no git identity configured (user.name, user.email unset)" in outcome.output
    assert git(root, "branch", "--list", "fixit/*") == ""
    assert_no_worktree_left(root, _isolated)


def test_worktree_is_removed_when_the_run_is_interrupted(repo: Path, _isolated: Path) -> None:
    seen: list[Path] = []

    def interrupted_run(paths: list[Path]):  # type: ignore[no-untyped-def]
        seen.extend(paths)
        assert (paths[0] / "app" / "calls.py").is_file()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cut_branch([repo], interrupted_run, "fixit/interrupted")
    assert seen and not seen[0].exists()
    assert git(repo, "branch", "--list", "fixit/*") == ""
    assert_no_worktree_left(repo, _isolated)


def test_cut_branch_api_reports_commits_in_order(repo: Path) -> None:
    outcome = cut_branch([repo], lambda paths: run_fakes(paths[0]), "api/all")
    assert outcome.branch == "api/all"
    assert list(outcome.commits) == ["fake-rename", "fake-marker"]
    assert outcome.result.display_root == repo  # reports name the repository, not the worktree
    assert list(outcome.commits.values()) == commits_on(repo, "api/all")


def test_pr_body_describes_the_branch(repo: Path, tmp_path: Path) -> None:
    body_file = tmp_path / "pr.md"
    outcome = fixit("apply", "all", ".", "--branch", "--pr-body", str(body_file), "-j", "1")
    assert outcome.exit_code == 0, outcome.output
    body = body_file.read_text()
    shas = commits_on(repo, "fixit/all")
    assert body.startswith("## fixit: 2 remediations\n")
    assert "Branch `fixit/all`, cut from" in body
    assert f"### fixit(fake-rename): rename 2 old_call calls (`{shas[0][:12]}`)" in body
    assert f"### fixit(fake-marker): mark 1 things done (`{shas[1][:12]}`)" in body
    assert "| `fake-rename` | unsafe | 1 | 2 | 1 |" in body
    assert "- `app/calls.py:3`: review_me is dynamic: left alone" in body
    assert "### Diff summary" in body and "app/calls.py    | +2 -2" in body
    assert "marker_notes.py | +2 -0 (new)" in body


# -- usage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, complaint",
    [
        (["--force"], "--force and --push only apply with --branch"),
        (["--push"], "--force and --push only apply with --branch"),
        (["--branch", "--dry-run"], "cannot be combined with --dry-run or --check"),
        (["--branch=bad..name"], "invalid branch name `bad..name`"),
        (["--branch=-x"], "invalid branch name `-x`"),
        (["--format", "yaml"], "unknown format `yaml`"),
    ],
)
def test_usage_errors_exit_2(repo: Path, args: list[str], complaint: str) -> None:
    outcome = fixit("apply", "fake-rename", ".", *args)
    assert outcome.exit_code == 2
    assert complaint in outcome.output
    assert (repo / "app" / "calls.py").read_bytes() == SOURCES["app/calls.py"]


def test_optional_values_expand_only_when_bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "backend").mkdir()
    assert expand_optional_values(["all", "--branch", "./backend"]) == ["all", f"--branch={DEFAULT_BRANCH}", "./backend"]
    assert expand_optional_values(["all", "--branch=backend", "."]) == ["all", "--branch=backend", "."]
    assert expand_optional_values(["all", ".", "--branch"]) == ["all", ".", f"--branch={DEFAULT_BRANCH}"]
    assert expand_optional_values(["all", ".", "--branch", "-j", "1"])[2] == f"--branch={DEFAULT_BRANCH}"
    assert expand_optional_values(["all", ".", "--branch", "mine", "--push"]) == [
        "all", ".", "--branch", "mine", "--push=origin"
    ]
    assert expand_optional_values(["--push", "up", "x"]) == ["--push", "up", "x"]
    assert expand_optional_values(["--", "--branch"]) == ["--", "--branch"]


def test_default_branch_names() -> None:
    assert default_branch_name("timeouts") == "fixit/timeouts"
    assert default_branch_name("timeouts,alembic") == "fixit/all"
    assert default_branch_name("timeouts, timeouts") == "fixit/timeouts"
    assert default_branch_name("all") == "fixit/all"


NAMES = [
    "fixit/timeouts", "feature", "a/b/c", "ünïcode/name", "with space", "tab\tname", "a..b", "a/.hidden",
    ".start", "end.", "end.lock", "a.lock/b", "a//b", "/lead", "trail/", "a@{b", "a@b", "tilde~",
    "caret^", "colon:", "question?", "star*", "open[", "back\\slash", "-dash", "HEAD", "x/HEAD",
    "a/-b", "a.b", "dot./x", "ctl\x01", "del\x7f", "a/b.lock.x", "a..", "@x", "x@",
]


@pytest.mark.parametrize("name", NAMES)
def test_branch_name_rules_match_git(name: str, tmp_path: Path) -> None:
    by_git = subprocess.run(
        ["git", "check-ref-format", "--branch", name], cwd=tmp_path, capture_output=True, check=False
    )
    assert (branch_name_problem(name) is None) == (by_git.returncode == 0)


def test_invalid_name_is_rejected_before_touching_the_repository(repo: Path) -> None:
    with pytest.raises(GitOpsError, match="invalid branch name"):
        cut_branch([repo], lambda paths: run_fakes(paths[0]), "bad name")


def test_a_failing_commit_is_reported_and_cleaned_up(repo: Path, _isolated: Path) -> None:
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", str(repo / "no-such-gpg"))
    outcome = fixit("apply", "fake-rename", ".", "--branch", "-j", "1")
    assert outcome.exit_code == 1
    assert "git failed while building branch `fixit/fake-rename`" in outcome.output
    assert git(repo, "branch", "--list", "fixit/*") == ""
    assert_no_worktree_left(repo, _isolated)
