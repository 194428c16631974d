"""`fixit batch`: one remediation across the repositories of a manifest.

    fixit batch TRANSFORM[,…]|all MANIFEST [--workspace DIR] [--jobs N] [--branch NAME] [--force]
                [--push [REMOTE]] [--option NAME.KEY=VALUE] [--pr-body DIR|PATTERN] [--resume]
                [--report FILE] [--executor local|dask] [--scheduler ADDRESS]
    fixit batch status [--workspace DIR]

Exit codes: 0 every repository changed or had nothing to change, 1 some repository failed,
2 usage or manifest error, 130 interrupted by Ctrl-C (SIGINT), 143 stopped by SIGTERM: the workers
are stopped, their temporary worktrees removed, and the ledger records where each repository stands.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import typer
from fixit_codemods.api import ConfigError
from fixit_codemods.batch import DEFAULT_WORKSPACE
from fixit_codemods.cli.progress import progress_bar
from fixit_codemods.cli.signals import exit_status
from fixit_codemods.config import parse_cli_options
from fixit_codemods.gitops import GitOpsError, default_branch_name, validate_branch_name
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from fixit_codemods.batch.runner import JobResult, RepoJob
    from rich.progress import Progress

# The batch machinery (GitPython, process pools, SQLite) is imported by the commands that use it:
# every other `fixit` command starts without it.

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PR_BODY_PLACEHOLDER = "{name}"
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class BatchGroup(TyperGroup):
    """`fixit batch TRANSFORMS MANIFEST …` is `fixit batch run TRANSFORMS MANIFEST …`: anything but a
    subcommand name or a help flag in first place starts a run."""

    def parse_args(self, ctx: typer.Context, args: List[str]) -> List[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


class OptionalPushCommand(TyperCommand):
    """`--push` alone (last, or before another option) means `--push=origin`."""

    def parse_args(self, ctx: typer.Context, args: List[str]) -> List[str]:
        expanded = list(args)
        for index, arg in enumerate(expanded):
            if arg == "--":
                break
            following = expanded[index + 1] if index + 1 < len(expanded) else None
            if arg == "--push" and (following is None or following.startswith("-")):
                expanded[index] = "--push=origin"
        return super().parse_args(ctx, expanded)


batch_app = typer.Typer(
    cls=BatchGroup,
    name="batch",
    help="Run transforms across the repositories of a manifest: `fixit batch TRANSFORM[,…]|all MANIFEST OPTIONS…` "
    "(the `run` command), and `fixit batch status` to see where each repository stands.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    stderr.print(f"[bold red]error[/]: {escape(message)}")
    return typer.Exit(code)


@batch_app.command("run", cls=OptionalPushCommand)
def run_command(
    transforms: str = typer.Argument(..., metavar="NAME[,NAME…]|all", help="Transforms to apply."),
    manifest: Path = typer.Argument(
        ..., metavar="MANIFEST", help="Repositories: a text file (a LOCATION a line, with optional @REF and #FOLDER) or a TOML file."
    ),
    workspace: Path = typer.Option(
        Path(DEFAULT_WORKSPACE), "--workspace", metavar="DIR", help="Clones and the ledger live here (reused)."
    ),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Repositories in parallel (default: cores)."),
    branch: Optional[str] = typer.Option(
        None, "--branch", metavar="NAME", help="Branch name (default fixit/<transform>; `-<folder>` added for a #FOLDER)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing branch (locally and on the remote)."),
    push: Optional[str] = typer.Option(
        None, "--push", metavar="[REMOTE]", help="Push each branch to REMOTE (default origin, the repository cloned)."
    ),
    option: List[str] = typer.Option([], "--option", "-o", help="NAME.KEY=VALUE transform option (repeatable)."),
    pr_body: Optional[str] = typer.Option(
        None, "--pr-body", metavar="DIR|PATTERN",
        help="Write each changed repository's pull-request description: DIR/<name>.md, or PATTERN with {name}.",
    ),
    resume: bool = typer.Option(False, "--resume", help="Skip repositories already done with these transforms and options."),
    report: Optional[Path] = typer.Option(None, "--report", metavar="FILE", help="Write the results as JSON to FILE."),
    executor: str = typer.Option("local", "--executor", metavar="local|dask", help="Where the work runs."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the summary and errors."),
) -> None:
    """Clone or fetch each repository, apply the transforms at its ref, commit a branch, push it."""
    from fixit_codemods.batch.executors import make_executor, stop_signals_deferred
    from fixit_codemods.batch.ledger import Ledger
    from fixit_codemods.batch.manifest import load_manifest
    from fixit_codemods.batch.report import write_report
    from fixit_codemods.batch.runner import BatchSettings, plan_jobs, run_batch, workspace_lock

    if pr_body is not None and PR_BODY_PLACEHOLDER not in pr_body and pr_body.endswith(".md"):
        raise _fail(f"--pr-body {pr_body}: one file per repository: give a folder, or a pattern with {PR_BODY_PLACEHOLDER}")
    try:
        entries = load_manifest(manifest)
        settings = BatchSettings(
            transforms=transforms,
            workspace=os.path.abspath(workspace),
            branch=validate_branch_name(branch) if branch is not None else default_branch_name(transforms),
            force=force,
            push=push,
            options=parse_cli_options(option),
            pr_bodies=pr_body is not None,
        )
        planned = plan_jobs(entries, settings)
        runner = make_executor(executor, jobs or 0, scheduler)
    except (ConfigError, GitOpsError) as error:
        raise _fail(str(error)) from None
    os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")  # inherited by the workers: fail, never prompt
    ledger = Ledger(Path(settings.workspace))

    def on_result(job: RepoJob, result: JobResult) -> None:
        _write_pr_body(pr_body, job, result)
        display.show(job, result)

    try:
        with workspace_lock(Path(settings.workspace)), _Display(len(planned), quiet) as display:
            outcome = run_batch(
                planned, settings, ledger, runner, resume=resume, manifest=str(manifest), on_result=on_result
            )
    except ConfigError as error:
        raise _fail(str(error)) from None
    except KeyboardInterrupt as interrupt:
        with stop_signals_deferred():
            stderr.print(f"Interrupted: the ledger in {escape(settings.workspace)} records where each repository "
                         "stands; run again with --resume to finish.")
        raise typer.Exit(exit_status(interrupt)) from None
    finally:
        ledger.close()
    if report is not None:
        write_report(report, transforms, outcome.records)
    resumed = sum(1 for record in outcome.records if record.get("resumed"))
    stderr.print(
        f"[bold]fixit batch[/]: {len(outcome.records)} repositories: {outcome.count('changed')} changed, "
        f"{outcome.count('unchanged')} unchanged, {outcome.count('failed')} failed"
        + (f" ({resumed} already done, skipped)" if resumed else "")
    )
    if outcome.count("failed"):
        raise typer.Exit(EXIT_FAILED)


def _write_pr_body(target: Optional[str], job: RepoJob, result: JobResult) -> None:
    """DIR/<name>.md, or the PATTERN with {name} replaced; <name> is the repository's name and folder."""
    if target is None or result.pr_body is None:
        return
    if PR_BODY_PLACEHOLDER in target:
        path = Path(target.replace(PR_BODY_PLACEHOLDER, job.label))
    else:
        path = Path(target) / f"{job.label}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.pr_body, encoding="utf-8")


class _Display:
    """A line per repository as it finishes and, on a terminal, a progress bar below them. Redrawn
    only when a result arrives (no refresh thread: the local pool forks the process)."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.quiet = quiet
        self.progress: Progress | None = None
        if sys.stderr.isatty() and not os.environ.get("CI"):
            self.progress = progress_bar("fixit batch", stderr)
            self.task = self.progress.add_task("", total=total)

    def __enter__(self) -> _Display:
        if self.progress is not None:
            self.progress.start()
            self.progress.refresh()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def show(self, job: RepoJob, result: JobResult) -> None:
        record = result.record
        if record["status"] == "failed" or not self.quiet:
            stderr.print(_result_line(record))
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=escape(job.entry.repo))
            self.progress.refresh()


def _result_line(record: dict[str, Any]) -> str:
    where = escape(record["repo"]) + (" (done earlier)" if record.get("resumed") else "")
    errors = record["errors"]
    if record["status"] == "failed":
        return f"[bold red]failed[/]    {where}: {escape('; '.join(errors))}"
    review = f", {record['review']} sites for review" if record["review"] else ""
    problems = f"; [yellow]{len(errors)} failed[/]: {escape('; '.join(errors))}" if errors else ""
    if record["status"] == "unchanged":
        return f"[dim]unchanged[/] {where}: nothing to change{review}{problems}"
    pushed = f", pushed to {escape(record['pushed'])}" if record["pushed"] else ""
    return (
        f"[green]changed[/]   {where}: {escape(record['branch'])} {record['commit'][:12]} "
        f"({len(record['files'])} files, {record['sites']} sites{review}{pushed}){problems}"
    )


@batch_app.command("status")
def status_command(
    workspace: Path = typer.Option(Path(DEFAULT_WORKSPACE), "--workspace", metavar="DIR", help="The batch's workspace."),
) -> None:
    """Where each repository of the batches run in DIR stands, from its ledger."""
    from fixit_codemods.batch.ledger import open_existing
    from fixit_codemods.batch.report import state_counts, status_table

    ledger = open_existing(workspace)
    if ledger is None:
        raise _fail(f"no batch has run in {workspace} (no ledger there)")
    try:
        rows = ledger.rows()
    finally:
        ledger.close()
    # on a terminal the table fits the window; in a file or a pipe every cell is whole, for grep
    Console(width=None if sys.stdout.isatty() else 10_000).print(status_table(rows))
    counts = ", ".join(f"{count} {state}" for state, count in sorted(state_counts(rows).items()))
    stderr.print(f"{len(rows)} repositories: {counts or 'none'}")
