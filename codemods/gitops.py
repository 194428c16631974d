"""Reviewable branches: `fixit apply … --branch [NAME]`.

The branch is cut from HEAD in a temporary worktree outside the repository; the transforms run
there, each transform that changed something becomes one commit (in the fixed order), the branch
ref is set to the last commit and the worktree is removed, also on errors and Ctrl-C. The user's
checked-out branch, index, working tree, untracked files and stash are never touched: uncommitted
work stays where it is and is not part of the branch.

Git hooks do not run for the temporary worktree's checkout and commits (`core.hooksPath` points
to an empty folder and commits use `--no-verify`): those commits are the tool's, made in a folder
the user never sees; the repository's checks run where they belong, on the pull request. A push
(`--push`) is the user's own operation and runs their hooks as usual.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fixit_codemods.engine import RunResult, TransformResult
from fixit_codemods.messages import changed_files, commit_message, subject
from fixit_codemods.writer import signals_held, write_changes


class _ImportedOnUse:
    """GitPython, imported the first time it is used: every `fixit` command imports this module
    (the CLI offers --branch), most never touch git, and GitPython takes ~0.1 s to import."""

    def __getattr__(self, name: str) -> object:
        import git as module

        globals()["git"] = module
        return getattr(module, name)


git = _ImportedOnUse()

RunInWorktree = Callable[[list[Path]], RunResult]
EXIT_FAILURE, EXIT_USAGE = 1, 2
_FORBIDDEN_IN_REFNAME = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


class GitOpsError(Exception):
    """A branch could not be made; the message says why, `exit_code` is the CLI's exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def branch_name_problem(name: str) -> str | None:
    """Why git would refuse `name` as a branch name (`git check-ref-format --branch`), else None."""
    if not name:
        return "it is empty"
    if name.startswith("-"):
        return "it starts with '-'"
    if name in ("HEAD", "@"):
        return f"`{name}` is reserved"
    if _FORBIDDEN_IN_REFNAME.search(name):
        return "it contains a space, a control character or one of ~ ^ : ? * [ \\"
    if ".." in name or "@{" in name:
        return "it contains '..' or '@{'"
    if name.endswith("."):
        return "it ends with '.'"
    for component in name.split("/"):
        if not component:
            return "it starts or ends with '/' or contains '//'"
        if component.startswith("."):
            return "a path component starts with '.'"
        if component.endswith(".lock"):
            return "a path component ends with '.lock'"
    return None


def validate_branch_name(name: str) -> str:
    problem = branch_name_problem(name)
    if problem:
        raise GitOpsError(f"invalid branch name `{name}`: {problem}")
    return name


def default_branch_name(spec: str) -> str:
    """`fixit/<transform>` for one transform, `fixit/all` for `all` or several.

    External codemods are named by where they live (`pkg.mod:Class`, `bowler:path/query.py`),
    which git refuses in a branch name: they become `fixit/pkg.mod-Class`, `fixit/bowler-query`.
    """
    names = list(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    if len(names) != 1 or names[0] == "all":
        return "fixit/all"
    name = names[0]
    if name.startswith("bowler:"):
        name = f"bowler-{Path(name.partition(':')[2]).stem}"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "codemod"
    return f"fixit/{slug}"


@dataclass
class BranchOutcome:
    result: RunResult
    repo_root: Path
    base: str  # the commit the branch was cut from
    paths: list[str]  # the PATH arguments, relative to the repository root
    branch: str | None = None  # None: nothing changed, no branch was made
    commits: dict[str, str] = field(default_factory=dict)  # transform name -> commit sha, in order
    committed: list[TransformResult] = field(default_factory=list)
    replaced: bool = False  # an existing branch was replaced (--force)
    pushed_to: str | None = None
    push_error: str | None = None  # the branch exists locally, but the push failed


class _Repository:
    """The user's repository, seen only through read-only commands and ref updates."""

    def __init__(self, paths: Sequence[Path]) -> None:
        absolute = [Path(os.path.realpath(p)) for p in paths]
        self.repo = _open_repo(absolute[0])
        self.root = Path(self.repo.git.rev_parse("--show-toplevel"))
        self.relative_paths = [self._relative(path) for path in absolute]

    def _relative(self, path: Path) -> str:
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            raise GitOpsError(f"{path} is outside the repository at {self.root}; --branch needs every PATH in it") from None
        return relative if relative != "" else "."

    def head(self) -> str:
        if not self.repo.head.is_valid():
            raise GitOpsError(f"the repository at {self.root} has no commit yet: there is no HEAD to cut a branch from")
        return self.repo.head.commit.hexsha

    def branch_exists(self, name: str) -> bool:
        return _succeeds(self.repo.git.show_ref, "--verify", "--quiet", f"refs/heads/{name}")

    def checked_out_branches(self) -> set[str]:
        listing = self.repo.git.worktree("list", "--porcelain")
        prefix = "branch refs/heads/"
        return {line[len(prefix):] for line in listing.splitlines() if line.startswith(prefix)}

    def require_identity(self) -> None:
        missing = [key for key in ("user.name", "user.email") if not self._has_identity(key)]
        if missing:
            raise GitOpsError(
                f"no git identity configured ({', '.join(missing)} unset): fixit commits with the repository's "
                f"identity; set it with `git config {missing[0]} ...` in {self.root}"
            )

    def _has_identity(self, key: str) -> bool:
        """`key` is configured (any scope), or git's environment variables supply both identities."""
        suffix = key.split(".")[1].upper()
        if all(os.environ.get(f"GIT_{who}_{suffix}") for who in ("AUTHOR", "COMMITTER")):
            return True
        try:
            return bool(self.repo.git.config("--get", key).strip())
        except git.GitCommandError:
            return False

    def require_remote(self, remote: str) -> None:
        names = [r.name for r in self.repo.remotes]
        looks_like_location = "://" in remote or ":" in remote or Path(remote).exists()
        if remote not in names and not looks_like_location:
            known = ", ".join(names) or "none configured"
            raise GitOpsError(f"no remote named `{remote}` (remotes: {known})")

    def uncommitted(self) -> list[str]:
        # --no-optional-locks: `status` must not even refresh the user's index
        status = self.repo.git.execute(["git", "--no-optional-locks", "status", "--porcelain"])
        return [line for line in str(status).splitlines() if line.strip()]


def _open_repo(path: Path) -> git.Repo:
    start = path if path.is_dir() else path.parent
    try:
        repo = git.Repo(start, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitOpsError(f"{path} is not inside a git repository; --branch needs one (run `git init` first)") from None
    if repo.bare:
        raise GitOpsError(f"{path} is in a bare repository; --branch needs a working tree")
    return repo


def _succeeds(command: Callable[..., object], *args: str) -> bool:
    try:
        command(*args)
    except git.GitCommandError:
        return False
    return True


WORKTREE_PREFIX = "fixit-branch-"  # the temporary folder of every worktree fixit makes


class _Worktree:
    """A detached worktree at `base` in a temporary folder; `close()` removes every trace of it.

    Making it (see `cut_branch`), each git command in it and removing it hold SIGINT/SIGTERM, so that
    an interrupt never leaves a folder nobody will remove, nor git writing in a removed worktree, nor
    cuts the removal short."""

    def __init__(self, repository: _Repository) -> None:
        self.repository = repository
        self.folder = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
        self.hooks = self.folder / "no-hooks"
        self.hooks.mkdir()
        self.path = self.folder / repository.root.name
        self.git = git.Git(str(self.path))

    def check_out(self, base: str) -> None:
        self._run(self.repository.repo.git, "worktree", "add", "--detach", "--quiet", str(self.path), base)

    def _run(self, runner: git.Git, *args: str) -> str:
        # held: git must not go on in the worktree after an interrupt has removed it (a signal
        # sent to this process alone leaves git running), so the interrupt waits for git
        with signals_held():
            return str(runner.execute(["git", "-c", f"core.hooksPath={self.hooks}", *args]))

    def commit(self, relpaths: list[str], message: str) -> str | None:
        """Stage `relpaths` (new files too, even ignored ones) and commit them; None if nothing is staged."""
        self._run(self.git, "add", "--all", "--force", "--", *relpaths)
        if _succeeds(self.git.diff, "--cached", "--quiet"):
            return None
        message_file = self.folder / "message.txt"
        message_file.write_text(message, encoding="utf-8")
        self._run(self.git, "commit", "--no-verify", "--quiet", "--cleanup=verbatim", "-F", str(message_file))
        return self._run(self.git, "rev-parse", "HEAD").strip()

    def close(self) -> None:
        with signals_held():
            _remove_worktree(self.repository.repo.git, self.path, self.folder)


def _remove_worktree(main: git.Git, path: Path, folder: Path) -> None:
    if path.exists():
        _succeeds(main.worktree, "remove", "--force", "--force", str(path))
    shutil.rmtree(folder, ignore_errors=True)
    _succeeds(main.worktree, "prune")


def remove_leftover_worktrees(repository: Path) -> list[Path]:
    """Remove the temporary worktrees fixit made from `repository` that are still there (a run
    killed outright, or interrupted where nothing could clean up), and prune their registrations.
    Only for a repository no other fixit run is using (a batch's clone, under the workspace lock).
    Returns the worktrees removed."""
    with signals_held():
        try:
            main = git.Git(str(repository))
            listing = str(main.execute(["git", "worktree", "list", "--porcelain"]))
        except git.GitCommandError:
            return []
        paths = [Path(line[len("worktree "):]) for line in listing.splitlines() if line.startswith("worktree ")]
        leftovers = [path for path in paths[1:] if path.parent.name.startswith(WORKTREE_PREFIX)]
        for path in leftovers:
            _remove_worktree(main, path, path.parent)
        _succeeds(main.worktree, "prune")
    return leftovers


def _map_into(worktree: Path, relative_paths: Sequence[str]) -> list[Path]:
    mapped = []
    for relative in relative_paths:
        path = worktree / relative if relative != "." else worktree
        if not path.exists():
            raise GitOpsError(f"{relative} is not in HEAD (untracked or not committed yet): commit it before --branch")
        mapped.append(path)
    return mapped


def _point_reports_at_repository(result: RunResult, worktree: Path, repo_root: Path) -> None:
    """Reports name the user's repository, not the temporary worktree they were computed in."""
    try:
        result.root = repo_root / Path(os.path.abspath(result.root)).relative_to(os.path.abspath(worktree))
    except ValueError:
        result.root = repo_root
    result.display_root = repo_root


def _commit_each_transform(tree: _Worktree, outcome: BranchOutcome) -> None:
    for transform_result in outcome.result.transforms:
        changes = changed_files(transform_result)
        if not changes:
            continue
        write_changes(changes)
        sha = tree.commit([c.relpath for c in changes], commit_message(transform_result, outcome.paths))
        if sha:
            outcome.commits[transform_result.name] = sha
            outcome.committed.append(transform_result)


def cut_branch(
    paths: Sequence[Path],
    run: RunInWorktree,
    name: str,
    force: bool = False,
    push: str | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> BranchOutcome:
    """Run the transforms on HEAD in a temporary worktree and commit each one's changes on `name`.

    `run` gets the PATHs mapped into the worktree and returns the engine's result. Raises
    GitOpsError (exit code 2 for what must be fixed first, 1 when git itself fails) and whatever
    `run` raises; a failed push is reported in `BranchOutcome.push_error`.
    """
    validate_branch_name(name)
    repository = _Repository(paths)
    base = repository.head()
    exists = repository.branch_exists(name)
    if exists and not force:
        raise GitOpsError(f"branch `{name}` already exists; use --force to replace it, or --branch NAME for another name")
    if exists and name in repository.checked_out_branches():
        raise GitOpsError(f"branch `{name}` is checked out; fixit never replaces a checked-out branch")
    repository.require_identity()
    if push:
        repository.require_remote(push)
    dirty = repository.uncommitted()
    if dirty:
        warn(_uncommitted_warning(name, base, dirty))
    tree: _Worktree | None = None
    try:
        with signals_held():  # a signal held while it is made arrives here, where `finally` removes it
            tree = _Worktree(repository)
        tree.check_out(base)
        result = run(_map_into(tree.path, repository.relative_paths))
        outcome = BranchOutcome(result, repository.root, base, repository.relative_paths)
        _commit_each_transform(tree, outcome)
        _point_reports_at_repository(result, tree.path, repository.root)
    except git.GitCommandError as error:  # e.g. commit signing that fails: say what git said
        raise GitOpsError(f"git failed while building branch `{name}`: {_git_message(error)}", EXIT_FAILURE) from None
    finally:
        if tree is not None:
            tree.close()
    if not outcome.commits:
        return outcome
    tip = list(outcome.commits.values())[-1]
    try:
        repository.repo.git.branch(*(["--force"] if force else []), name, tip)
    except git.GitCommandError as error:
        raise GitOpsError(f"cannot create branch `{name}`: {_git_message(error)}") from None
    outcome.branch, outcome.replaced = name, exists
    if push:
        _push(repository, push, outcome, force)
    return outcome


def _push(repository: _Repository, remote: str, outcome: BranchOutcome, force: bool) -> None:
    """Push the branch; a failure is recorded, not raised: the local branch is there to keep."""
    name = outcome.branch
    refspec = f"{'+' if force else ''}refs/heads/{name}:refs/heads/{name}"
    try:
        repository.repo.git.push("--quiet", remote, refspec)
        outcome.pushed_to = remote
    except git.GitCommandError as error:
        outcome.push_error = f"branch `{name}` was created, but pushing it to `{remote}` failed: {_git_message(error)}"


def _git_message(error: git.GitCommandError) -> str:
    text = str(error.stderr or error).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip()).removeprefix("stderr: ").strip("'")


def _uncommitted_warning(name: str, base: str, dirty: list[str]) -> str:
    shown = dirty[:10]
    more = [f"  … and {len(dirty) - len(shown)} more"] if len(dirty) > len(shown) else []
    lines = [
        (
            f"uncommitted changes are not part of branch `{name}`: it is cut from HEAD ({base[:12]}); "
            "your working tree, index and stash are left exactly as they are:"
        ),
        *(f"  {line}" for line in shown),
        *more,
    ]
    return "\n".join(lines)


def iter_commit_subjects(outcome: BranchOutcome) -> Iterator[tuple[str, str]]:
    """(short sha, subject) per commit, in order."""
    for result in outcome.committed:
        yield outcome.commits[result.name][:12], subject(result)
