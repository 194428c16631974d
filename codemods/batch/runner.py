"""One repository's work, and the batch that hands it out.

Per repository (`process_group`, run by a worker): clone it into the workspace, or fetch when the
clone is there already; check out the entry's ref (default: the remote's default branch); run the
transforms and commit a branch exactly as `fixit apply --branch` does (`fixit_codemods.gitops.cut_branch`:
a temporary worktree, one commit per transform); push it when asked. Every failure becomes a
`failed` record of its own: one repository never stops the others.

Entries that share a repository (folders of a monorepo) share one clone and run one after the
other in the same worker; each such entry's branch gets the folder in its name so they never
collide. The coordinator (`run_batch`) is the only one to touch the ledger and the report files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence

import git
from fixit_codemods.api import Action, ConfigError
from fixit_codemods.batch.executors import stop_signals_deferred
from fixit_codemods.batch.ledger import Ledger, resume_key
from fixit_codemods.batch.manifest import ManifestEntry
from fixit_codemods.config import merge_options, settings_from_pyproject
from fixit_codemods.engine import Engine, RunResult
from fixit_codemods.gitops import (
    BranchOutcome,
    GitOpsError,
    branch_name_problem,
    cut_branch,
    remove_leftover_worktrees,
)
from fixit_codemods.messages import pr_body
from fixit_codemods.project import stop_if_interrupted
from fixit_codemods.registry import select
from fixit_codemods.writer import signals_held

CLONES = "clones"
LOCK_FILE = "batch.lock"
# Where a fetch records the remote's current default branch (its HEAD), outside refs/remotes.
REMOTE_HEAD = "refs/fixit-batch/remote-head"
# A clone never asks for a password on a terminal nobody watches: it fails instead.
GIT_ENVIRONMENT = {"GIT_TERMINAL_PROMPT": "0"}

ProgressCallback = Callable[[int, int, str], None]  # (entries done, entries in total, repo as written)


class BatchError(Exception):
    """A repository could not be prepared (ref or folder not found); becomes a `failed` record."""


@dataclass
class BatchSettings:
    """What every repository's work needs: picklable, sent to every worker."""

    transforms: str  # NAME[,NAME…] or all
    workspace: str
    branch: str  # the branch name; entries with a folder get `-<folder>` appended
    force: bool = False
    push: str | None = None  # the remote to push to, None: no push
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # from --option
    pr_bodies: bool = False  # compute a pull-request description per changed repository


@dataclass
class RepoJob:
    entry: ManifestEntry
    key: str  # the ledger's resume key
    branch: str
    label: str  # unique in the batch and safe as a file name (pull-request bodies)
    transforms: list[str]  # the transform names, resolved
    options: dict[str, dict[str, Any]]  # --option merged with the entry's own
    # An earlier attempt of this very job stopped without a result (Ctrl-C) or failed after making
    # its branch: a branch of that name in the clone is its leftover, to be replaced.
    replace_leftover: bool = False


@dataclass
class JobResult:
    key: str
    record: dict[str, Any]  # the report record
    pr_body: str | None = None


# -- planning (coordinator) ---------------------------------------------------------------------


def plan_jobs(entries: Sequence[ManifestEntry], settings: BatchSettings) -> list[RepoJob]:
    """A job per entry, with its branch and resume key. Raises ConfigError (with the manifest line)
    for transform options or branch names that cannot work, before anything is cloned."""
    labels = _labels(entries)
    names_for: dict[str, list[str]] = {}  # loading plugins for each of thousands of entries would be slow
    jobs = []
    for entry, label in zip(entries, labels):
        options = merge_options(settings.options, entry.options)
        canonical = json.dumps(options, sort_keys=True, default=str)
        try:
            if canonical not in names_for:
                names_for[canonical] = [transform.name for transform in select(settings.transforms, options)]
        except ConfigError as error:
            raise ConfigError(f"manifest line {entry.line} ({entry.repo}): {error}") from None
        names = names_for[canonical]
        branch = entry.branch or _branch_for(settings.branch, entry.subdir)
        problem = branch_name_problem(branch)
        if problem:
            raise ConfigError(f"manifest line {entry.line} ({entry.repo}): invalid branch name `{branch}`: {problem}")
        key = resume_key({
            "location": entry.location, "ref": entry.ref, "subdir": entry.subdir, "transforms": names,
            "options": options, "branch": branch, "push": settings.push,
        })
        jobs.append(RepoJob(entry, key, branch, label, names, options))
    return jobs


def _branch_for(branch: str, subdir: str | None) -> str:
    return f"{branch}-{subdir.replace('/', '-')}" if subdir else branch


def _labels(entries: Sequence[ManifestEntry]) -> list[str]:
    """`billing`, `mono-services-api`: the repository's name and folder; the line number is added
    where two entries would otherwise share a label."""
    names = [_safe_name(repository_name(e.location) + (f"-{e.subdir}" if e.subdir else "")) for e in entries]
    uses = Counter(names)
    return [name if uses[name] == 1 else f"{name}-line{e.line}" for name, e in zip(names, entries)]


def repository_name(location: str) -> str:
    tail = re.split(r"[/:]", location.rstrip("/"))[-1]
    return tail[: -len(".git")] if tail.endswith(".git") and len(tail) > 4 else (tail or "repository")


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "repository"


# -- one repository (worker) --------------------------------------------------------------------


def process_group(jobs: Sequence[RepoJob], settings: BatchSettings) -> list[JobResult]:
    """The jobs of one repository, in order, on one clone. Never raises for a repository's failure."""
    for name, value in GIT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    location = jobs[0].entry.location
    try:
        repo = prepare_clone(location, clone_folder(Path(settings.workspace), location))
    except Exception as error:  # noqa: BLE001 - one repository's failure is its record, not the batch's
        stop_if_interrupted(error)  # a stop signal that library code turned into an error
        return [_failed(job, error) for job in jobs]
    remove_leftover_worktrees(Path(str(repo.working_tree_dir)))  # from a run that was killed outright
    try:
        return [process_job(repo, job, settings) for job in jobs]
    finally:
        repo.close()


def process_job(repo: git.Repo, job: RepoJob, settings: BatchSettings) -> JobResult:
    try:
        base = resolve_ref(repo, job.entry.ref)
        with signals_held():  # an interrupt waits for these: git must not go on in the clone after it
            repo.git.checkout("--quiet", "--detach", "--force", base)
            repo.git.clean("-ffdxq")
        target = _target_folder(repo, job.entry, base)
        if job.replace_leftover:
            _delete_branch(repo, job.branch)
        run = functools.partial(_run_engine, settings.transforms, job.options)
        outcome = cut_branch([target], run, job.branch, force=settings.force, push=settings.push)
        if outcome.push_error and settings.push == "origin":
            _adopt_pushed_twin(repo, outcome)
    except Exception as error:  # noqa: BLE001
        stop_if_interrupted(error)
        return _failed(job, error)
    return _result_of(job, outcome, settings)


def _delete_branch(repo: git.Repo, name: str) -> None:
    try:
        repo.git.branch("--quiet", "--delete", "--force", name)
    except git.GitCommandError:
        pass  # there was none


def _adopt_pushed_twin(repo: git.Repo, outcome: BranchOutcome) -> None:
    """When the push was refused because the remote branch already holds this very change — the
    same tree, cut from the same base, one commit per transform — an earlier attempt pushed it
    before it was interrupted: keep the remote's commits instead of failing."""
    name, ours = str(outcome.branch), list(outcome.commits.values())[-1]
    try:
        theirs = str(repo.git.rev_parse("--verify", "--quiet", f"refs/remotes/origin/{name}^{{commit}}")).strip()
        history = str(repo.git.rev_list("--reverse", "--first-parent", f"{outcome.base}..{theirs}")).split()
        same_tree = repo.git.rev_parse(f"{theirs}^{{tree}}") == repo.git.rev_parse(f"{ours}^{{tree}}")
        cut_from_base = repo.is_ancestor(outcome.base, theirs)
    except git.GitCommandError:
        return  # no such remote branch: the push failed for another reason
    if not (same_tree and cut_from_base and len(history) == len(outcome.commits)):
        return
    repo.git.branch("--force", name, theirs)
    outcome.commits = dict(zip(outcome.commits, history))
    outcome.push_error, outcome.pushed_to = None, "origin"


def _target_folder(repo: git.Repo, entry: ManifestEntry, base: str) -> Path:
    root = Path(str(repo.working_tree_dir))
    target = root / entry.subdir if entry.subdir else root
    if not target.is_dir():
        raise BatchError(f"folder {entry.subdir!r} does not exist at {entry.ref or 'the default branch'} ({base[:12]})")
    return target


def _run_engine(spec: str, options: dict[str, dict[str, Any]], paths: list[Path]) -> RunResult:
    """The engine on the worktree's paths, with the repository's own `[tool.fixit-codemods]` settings
    under the batch's options. One process per repository: the batch runs repositories in parallel."""
    settings = settings_from_pyproject(paths[0])
    transforms = select(spec, merge_options(settings.transform_options, options))
    return Engine(
        transforms, jobs=1, include=settings.patterns(settings.include), exclude=settings.patterns(settings.exclude)
    ).run(paths)


def _result_of(job: RepoJob, outcome: BranchOutcome, settings: BatchSettings) -> JobResult:
    result = outcome.result
    errors = [f"{failure.relpath or '(run)'}: {failure.message}" for failure in result.all_failures]
    if outcome.push_error:
        errors.append(outcome.push_error)
    record = new_record(job.entry)
    record.update(
        status="failed" if outcome.push_error else ("changed" if outcome.branch else "unchanged"),
        branch=outcome.branch,
        commit=list(outcome.commits.values())[-1] if outcome.commits else None,
        commits=dict(outcome.commits),
        base=outcome.base,
        files=sorted(result.changes()) if outcome.branch else [],
        sites=sum(t.count(Action.CHANGED) for t in result.transforms),
        review=sum(t.count(Action.REVIEW) for t in result.transforms),
        errors=errors,
        failed_files=failed_files(result),
        pushed=outcome.pushed_to,
    )
    body = None
    if settings.pr_bodies and outcome.branch:
        body = pr_body(
            result.transforms, result.changes().values(), outcome.paths,
            branch=outcome.branch, base=outcome.base, commits=outcome.commits,
        )
    return JobResult(job.key, record, body)


def failed_files(result: RunResult) -> list[str]:
    """The files of the repository that could not be read, parsed or rewritten, each once, sorted."""
    return sorted({failure.relpath for failure in result.all_failures if failure.relpath})


def new_record(entry: ManifestEntry) -> dict[str, Any]:
    """A report record with nothing done yet. Keys are the report's schema (see fixit_codemods.batch.report)."""
    return {
        "repo": entry.repo, "line": entry.line, "ref": entry.ref, "path": entry.subdir, "status": "failed",
        "branch": None, "commit": None, "commits": {}, "base": None, "files": [], "sites": 0, "review": 0,
        "errors": [], "failed_files": [], "pushed": None,
    }


def _failed(job: RepoJob, error: BaseException) -> JobResult:
    record = new_record(job.entry)
    record["errors"] = [describe(error)]
    return JobResult(job.key, record)


def describe(error: BaseException) -> str:
    """One line for the report: git's own words for a failed git command."""
    if isinstance(error, git.GitCommandError):
        said = str(error.stderr or "").strip().removeprefix("stderr:").strip().strip("'").strip()
        words = " ".join(line.strip() for line in said.splitlines() if line.strip())
        return f"git {_subcommand(error.command)} failed: {words or f'exit status {error.status}'}"
    if isinstance(error, (BatchError, ConfigError, GitOpsError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _subcommand(command: object) -> str:
    """`clone` for `git -c protocol.ext.allow=never clone …`."""
    words = command.split() if isinstance(command, str) else [str(word) for word in command]  # type: ignore[union-attr]
    after_git = words[1:] if words and words[0].endswith("git") else words
    skip_next = False
    for word in after_git:
        if skip_next or word == "-c":
            skip_next = not skip_next
            continue
        if not word.startswith("-"):
            return word
    return "command"


# -- clones in the workspace ----------------------------------------------------------------------


def clone_folder(workspace: Path, location: str) -> Path:
    digest = hashlib.sha256(location.encode("utf-8")).hexdigest()[:12]
    return workspace / CLONES / f"{_safe_name(repository_name(location))}-{digest}"


def prepare_clone(location: str, folder: Path) -> git.Repo:
    """The clone of `location` in `folder`, up to date: fetched when it exists, cloned otherwise.

    A clone is made in a temporary folder beside its place and renamed into it when complete, so a
    clone cut short (Ctrl-C, network) is never mistaken for a usable one."""
    if (folder / ".git").is_dir():
        repo = git.Repo(folder)
        repo.git.fetch(
            "--quiet", "--force", "--prune", "--tags", "origin",
            "+refs/heads/*:refs/remotes/origin/*", f"+HEAD:{REMOTE_HEAD}", env=GIT_ENVIRONMENT,
        )
        return repo
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{folder.name}.partial-", dir=folder.parent))
    try:
        git.Git().execute(
            ["git", "-c", "protocol.ext.allow=never", "clone", "--quiet", "--no-checkout", "--", location, str(partial)],
            env=GIT_ENVIRONMENT,
        )
        shutil.rmtree(folder, ignore_errors=True)  # a leftover that is not a clone
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return git.Repo(folder)


def resolve_ref(repo: git.Repo, ref: str | None) -> str:
    """The commit of `ref` — a branch of the remote, a tag or a commit — or of the remote's default branch."""
    candidates = [f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref] if ref else [REMOTE_HEAD, "refs/remotes/origin/HEAD"]
    for candidate in candidates:
        try:
            return str(repo.git.rev_parse("--verify", "--quiet", f"{candidate}^{{commit}}")).strip()
        except git.GitCommandError:
            continue
    if ref:
        raise BatchError(f"ref {ref!r} is neither a branch, a tag nor a commit of the repository")
    raise BatchError("the repository has no default branch to start from (is it empty?)")


# -- the batch (coordinator) ----------------------------------------------------------------------


@contextlib.contextmanager
def workspace_lock(workspace: Path) -> Iterator[None]:
    """Held for a whole run: two batches in one workspace would check out the same clones at once."""
    workspace.mkdir(parents=True, exist_ok=True)
    with open(workspace / LOCK_FILE, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as git itself would not stop two runs either
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(f"another fixit batch is running in {workspace}; wait for it, or use another --workspace") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Executor(Protocol):
    """Runs `function` on each item somewhere, yielding (item, its value or the exception it raised)
    as each finishes. Leaving the iteration early (Ctrl-C) cancels what has not started."""

    def results(self, function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[Any, Any]]: ...


@dataclass
class BatchOutcome:
    records: list[dict[str, Any]]  # one per manifest entry, in manifest order

    def count(self, status: str) -> int:
        return sum(1 for record in self.records if record["status"] == status)


def run_batch(
    jobs: Sequence[RepoJob],
    settings: BatchSettings,
    ledger: Ledger,
    executor: Executor,
    resume: bool = False,
    manifest: str = "",
    on_result: Callable[[RepoJob, JobResult], None] = lambda job, result: None,
) -> BatchOutcome:
    """Run every job not already done (with `resume`), record each result in the ledger as it
    arrives, and return the records in manifest order. `on_result` hears of every job, the ones
    skipped by `resume` first (their record has `"resumed": True`). On Ctrl-C the ledger marks the unfinished
    jobs `interrupted` and KeyboardInterrupt propagates."""
    records: dict[str, dict[str, Any]] = {}
    if resume:
        for job in jobs:
            done = ledger.done(job.key)
            if done is not None:
                records[job.key] = {**done, "repo": job.entry.repo, "line": job.entry.line, "resumed": True}
                on_result(job, JobResult(job.key, records[job.key]))
    todo = [_with_leftover_flag(job, ledger) for job in jobs if job.key not in records]
    run_id = ledger.start_run(manifest, settings.transforms)
    ledger.start_jobs(run_id, [_ledger_fields(job) for job in todo])
    results = _results(executor, todo, settings)
    try:
        for job, result in results:
            ledger.finish_job(job.key, result.record)
            records[job.key] = {**result.record, "resumed": False}
            on_result(job, result)
    except BaseException:
        with stop_signals_deferred():  # the clean-up runs whole, however often Ctrl-C is pressed
            results.close()  # stops the workers and cancels the work not started yet, now
            ledger.finish_run(run_id, interrupted=True)
            remove_worktrees_of(todo, Path(settings.workspace))
        raise
    ledger.finish_run(run_id)
    return BatchOutcome([records[job.key] for job in jobs])


def remove_worktrees_of(jobs: Sequence[RepoJob], workspace: Path) -> None:
    """After an interrupt: no temporary worktree of these jobs' clones stays behind, registered or not.
    Each job removes its own as it stops; this catches one cut short where it could not."""
    for location in dict.fromkeys(job.entry.location for job in jobs):
        folder = clone_folder(workspace, location)
        if (folder / ".git").is_dir():
            remove_leftover_worktrees(folder)


def _with_leftover_flag(job: RepoJob, ledger: Ledger) -> RepoJob:
    earlier = ledger.row(job.key)
    unfinished = earlier is not None and (
        earlier.state in ("running", "interrupted") or (earlier.state == "failed" and earlier.branch is not None)
    )
    return dataclasses.replace(job, replace_leftover=unfinished)


def _results(executor: Executor, jobs: Sequence[RepoJob], settings: BatchSettings) -> Iterator[tuple[RepoJob, JobResult]]:
    """Each job's result as its repository finishes; a group whose worker died fails as a whole."""
    work = functools.partial(process_group, settings=settings)
    with contextlib.closing(executor.results(work, group_by_repository(jobs))) as finished:
        for group, value in finished:
            if isinstance(value, BaseException):
                stop_if_interrupted(value)  # the worker was stopped: so is the batch
                value = [_failed(job, value) for job in group]
            yield from zip(group, value)


def group_by_repository(jobs: Iterable[RepoJob]) -> list[list[RepoJob]]:
    groups: dict[str, list[RepoJob]] = {}
    for job in jobs:
        groups.setdefault(job.entry.location, []).append(job)
    return list(groups.values())


def _ledger_fields(job: RepoJob) -> dict[str, Any]:
    entry = job.entry
    return {
        "key": job.key, "repo": entry.repo, "location": entry.location, "ref": entry.ref, "subdir": entry.subdir,
        "transforms": ",".join(job.transforms), "options": job.options,
    }
