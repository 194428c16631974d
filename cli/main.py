"""The `fixit` command line.

Exit codes, as ruff and most linters use them: 0 done (or nothing to do), 1 `--check` found
changes or some files failed, 2 usage or configuration error.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from fixit_codemods import __version__
from fixit_codemods.api import Action, ConfigError, Transform
from fixit_codemods.cli import signals
from fixit_codemods.cli.progress import progress_bar
from fixit_codemods.config import merge_options, parse_cli_options, settings_from_pyproject
from fixit_codemods.diffs import colorize, file_diff
from fixit_codemods.discovery import PROJECT_MARKERS, project_dir
from fixit_codemods.engine import Engine, RunResult
from fixit_codemods.formats import FORMATS, render
from fixit_codemods.gitops import (
    BranchOutcome,
    GitOpsError,
    cut_branch,
    default_branch_name,
    iter_commit_subjects,
)
from fixit_codemods.messages import pr_body as pull_request_body
from fixit_codemods.registry import available, select
from fixit_codemods.report import print_summary
from fixit_codemods.writer import WriteError, write_changes
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperCommand

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="fixit",
    help="Repair the defects audits keep finding in FastAPI + SQLAlchemy backends, as reviewable diffs.",
    no_args_is_help=True,
    add_completion=True,  # `fixit --install-completion`, as typer offers it
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # `-h` as ruff and black take it
)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _hide_type_placeholders() -> None:
    """Typer's help prints each parameter's Python type (`<bool>`, `<list[str]>`) beside the
    metavar; ruff's and click's help do not. Flags and named arguments show nothing there."""
    from typer.core import TyperArgument, TyperOption

    for cls in (TyperArgument, TyperOption):
        shown = getattr(cls, "display_type_rich", None)
        if shown is None or getattr(shown, "_fixit_plain", False):
            continue

        def plain(self, ctx, _shown=shown):  # type: ignore[no-untyped-def]
            if getattr(self, "is_flag", False) or (isinstance(self, TyperArgument) and self.metavar):
                return None
            return _shown(self, ctx)

        plain._fixit_plain = True  # type: ignore[attr-defined]
        cls.display_type_rich = plain  # type: ignore[method-assign]


_hide_type_placeholders()


def _fail_usage(message: str) -> typer.Exit:
    stderr.print(f"[bold red]error[/]: {escape(message)}")
    return typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        # "(fixit-codemods)": Meta's Fixit installs a `fixit` command too; this says which one runs
        typer.echo(f"fixit {__version__} (fixit-codemods)")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """fixit: codemods for FastAPI + SQLAlchemy backends."""


@app.command("list")
def list_transforms() -> None:
    """Name, one-line summary and safety of each transform."""
    table = Table(box=None, pad_edge=False)
    table.add_column("transform", style="bold")
    table.add_column("safety")
    table.add_column("summary")
    for name, cls in available().items():
        table.add_row(name, cls.safety.value, cls.summary)
    Console().print(table)


@app.command()
def explain(name: str = typer.Argument(..., help="A transform name, as `fixit list` shows it.")) -> None:
    """What a transform repairs and why, a before/after example, its options, what it will not touch."""
    transforms = available()
    cls = transforms.get(name)
    if cls is None:
        raise _fail_usage(f"unknown transform `{name}`; available: {', '.join(transforms)}")
    typer.echo(explain_text(cls))


def explain_text(cls: type[Transform]) -> str:
    parts = [f"{cls.name} ({cls.safety.value}): {cls.summary}", "", (cls.__doc__ or "").strip()]
    if cls.rationale:
        parts += ["", "Why:", f"  {cls.rationale}"]
    if cls.behaviour_change:
        parts += ["", "Behaviour change:", f"  {cls.behaviour_change}"]
    if cls.example_before:
        parts += ["", "Before:", _indent(cls.example_before), "", "After:", _indent(cls.example_after)]
    if cls.options:
        parts += ["", "Options (--option NAME.KEY=VALUE or [tool.fixit-codemods.NAME]):"]
        parts += [f"  {key} (default {spec.default!r}): {spec.help}" for key, spec in cls.options.items()]
    return "\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.strip("\n").splitlines())


class RunProgressBar:
    """One progress bar on stderr for the whole run: the stage, steps done of all (a step is one
    transform over one project) and the elapsed time, drawn from the first callback."""

    def __init__(self) -> None:
        self.progress = progress_bar("fixit", stderr)
        self.task = self.progress.add_task("starting", total=None)

    def __call__(self, stage: str, done: float, total: int) -> None:
        self.progress.update(self.task, description=escape(stage), completed=done, total=total or None)
        if not self.progress.live.is_started:
            self.progress.start()
        self.progress.refresh()

    def stop(self) -> None:
        if self.progress.live.is_started:
            self.progress.stop()


def run_engine(
    spec: str,
    paths: List[Path],
    options: List[str],
    include: List[str],
    exclude: List[str],
    jobs: Optional[int],
    progress: bool,
    include_generated: bool = False,
    overrides: Optional[dict] = None,
) -> RunResult:
    """Resolve configuration and transforms, then run. Raises ConfigError for usage mistakes."""
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if not existing:
        raise ConfigError(f"no such file or directory: {', '.join(str(p) for p in paths)}")
    settings = settings_from_pyproject(Path(os.path.abspath(existing[0])))
    transform_options = merge_options(settings.transform_options, parse_cli_options(options))
    transforms = select(spec, transform_options)
    bar = RunProgressBar() if progress else None
    engine = Engine(
        transforms,
        jobs=jobs if jobs is not None else (settings.jobs or 0),
        include=[*settings.patterns(settings.include), *include],
        exclude=[*settings.patterns(settings.exclude), *exclude],
        on_progress=bar,
        include_generated=include_generated,
        overrides=overrides,
    )
    try:
        return engine.run(paths)
    finally:
        if bar is not None:
            bar.stop()


def emit_report(result: RunResult, fmt: str, output: Optional[Path], applied: bool = False) -> None:
    """The run in `fmt` to FILE, or to stdout (a diff in colour on a terminal)."""
    report = render(result, fmt, applied=applied)
    if output is not None:
        output.write_bytes(report)
        return
    # no-color.org: NO_COLOR counts when non-empty; FORCE_COLOR colours a diff sent to a pipe
    wants_colour = sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))
    if fmt == "diff" and wants_colour and not os.environ.get("NO_COLOR"):
        report = colorize(report)
    sys.stdout.flush()
    sys.stdout.buffer.write(report)
    sys.stdout.buffer.flush()


# `--branch` and `--push` take an optional value. Given alone (last, or followed by an option or
# by an existing path such as `./backend`) they mean the default; `--branch=NAME` always names.
# Typer's parser has no optional values, so the command rewrites a bare flag to `--flag=<default>`.
DEFAULT_BRANCH = "\x00default"  # not a valid branch name, so never one a user typed
OPTIONAL_VALUES = {"--branch": DEFAULT_BRANCH, "--push": "origin"}


def _is_value(token: Optional[str]) -> bool:
    return token is not None and not token.startswith("-") and not os.path.exists(token)


def expand_optional_values(args: List[str]) -> List[str]:
    expanded: List[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            return expanded + args[index:]
        following = args[index + 1] if index + 1 < len(args) else None
        if arg in OPTIONAL_VALUES and not _is_value(following):
            arg = f"{arg}={OPTIONAL_VALUES[arg]}"
        expanded.append(arg)
    return expanded


class OptionalValueCommand(TyperCommand):
    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
        return super().parse_args(ctx, expand_optional_values(list(args)))


def _check_apply_usage(
    dry: bool, branch: Optional[str], force: bool, push: Optional[str], fmt: Optional[str]
) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise _fail_usage(f"unknown format `{fmt}`; choose one of {', '.join(FORMATS)}")
    if branch is not None and dry:
        raise _fail_usage("--branch commits the changes; it cannot be combined with --dry-run or --check")
    if branch is None and (force or push is not None):
        raise _fail_usage("--force and --push only apply with --branch")


def _report_files(specs: list[str]) -> list[tuple[str, Path]]:
    """`--report FORMAT=FILE` values, checked before any work is done."""
    reports = []
    for spec in specs:
        fmt, separator, file = spec.partition("=")
        if not separator or not file:
            raise _fail_usage(f"--report takes FORMAT=FILE, e.g. sarif=fixit.sarif (got `{spec}`)")
        if fmt not in FORMATS:
            raise _fail_usage(f"unknown format `{fmt}` in --report; choose one of {', '.join(FORMATS)}")
        reports.append((fmt, Path(file)))
    return reports


def _display_paths(paths: List[Path], root: Path) -> List[str]:
    shown = []
    for path in paths:
        try:
            relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
        except ValueError:
            relative = str(path)
        shown.append(relative if relative != "" else ".")
    return shown


def _warn(message: str) -> None:
    stderr.print(f"[bold yellow]warning[/]: {escape(message)}", highlight=False)


def _report_branch(outcome: BranchOutcome, quiet: bool) -> None:
    if outcome.branch is None:
        stderr.print("Nothing to change: no branch created.")
        return
    if not quiet:
        verb = "Replaced" if outcome.replaced else "Created"
        stderr.print(
            f"{verb} branch [bold]{escape(outcome.branch)}[/] from {outcome.base[:12]} "
            f"with {len(outcome.commits)} commit(s):",
            highlight=False,
        )
        for sha, subject in iter_commit_subjects(outcome):
            stderr.print(f"  {sha} {escape(subject)}", highlight=False)
        if outcome.pushed_to:
            stderr.print(f"Pushed {escape(outcome.branch)} to {escape(outcome.pushed_to)}.", highlight=False)
    if outcome.push_error:
        stderr.print(f"[bold red]error[/]: {escape(outcome.push_error)}")


# Options `apply` and `check` share (one declaration, one help text).
INCLUDE_OPTION = typer.Option([], "--include", metavar="GLOB", help="Only files matching this glob (repeatable).")
EXCLUDE_OPTION = typer.Option([], "--exclude", metavar="GLOB", help="Skip files matching this glob (repeatable).")
TRANSFORM_OPTION = typer.Option(
    [], "--option", "-o", metavar="NAME.KEY=VALUE", help="A transform option (repeatable)."
)
JOBS_OPTION = typer.Option(None, "--jobs", "-j", min=0, metavar="N", help="Worker processes (default: all cores).")
VERBOSE_OPTION = typer.Option(False, "--verbose", "-v", help="Also name each file left out as generated.")
INCLUDE_GENERATED_OPTION = typer.Option(
    False, "--include-generated", help="Also take files whose header marks them generated."
)


REPORT_OPTION = typer.Option(
    [],
    "--report",
    metavar="FORMAT=FILE",
    help="Also write the report in FORMAT to FILE (repeatable): one run feeds a job summary, a SARIF "
    "upload and annotations, e.g. --report markdown=summary.md --report sarif=fixit.sarif.",
)


@app.command(cls=OptionalValueCommand)
def apply(
    transforms: str = typer.Argument(..., metavar="NAME[,NAME…]|all", help="Transforms to apply."),
    paths: List[Path] = typer.Argument(..., metavar="PATH…", help="Files or folders to repair."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Write nothing; print a unified diff (git apply format)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Like --dry-run, but exit 1 when anything would change."
    ),
    jobs: Optional[int] = JOBS_OPTION,
    include: List[str] = INCLUDE_OPTION,
    exclude: List[str] = EXCLUDE_OPTION,
    option: List[str] = TRANSFORM_OPTION,
    output: Optional[Path] = typer.Option(
        None, "--output", metavar="FILE", help="Write the report (see --format) to FILE instead of stdout."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only errors: no diff (unless --format/--output asks for one), no summary."
    ),
    verbose: bool = VERBOSE_OPTION,
    include_generated: bool = INCLUDE_GENERATED_OPTION,
    stdin_filename: Optional[Path] = typer.Option(
        None,
        "--stdin-filename",
        metavar="PATH",
        help="With PATH `-`: the source comes from stdin and is taken to be PATH (project facts come "
        "from its folder); the repaired source (with --dry-run, the diff) goes to stdout.",
    ),
    branch: Optional[str] = typer.Option(
        None,
        "--branch",
        metavar="[NAME]",
        help="Commit the changes on a new branch cut from HEAD, one commit per transform, leaving the "
        "working tree alone (default name fixit/<transform>, fixit/all for several). Name it with --branch=NAME "
        "(a NAME that is an existing path is taken as a PATH).",
    ),
    force: bool = typer.Option(
        False, "--force", help="With --branch: replace an existing branch of that name."
    ),
    push: Optional[str] = typer.Option(
        None, "--push", metavar="[REMOTE]", help="With --branch: push the branch to REMOTE (default origin)."
    ),
    pr_body: Optional[Path] = typer.Option(
        None, "--pr-body", metavar="FILE", help="Write the pull-request description (Markdown) to FILE."
    ),
    fmt: Optional[str] = typer.Option(
        None,
        "--output-format",
        "--format",
        metavar="diff|markdown|json|sarif|github",
        help="Report format for the dry run (default diff), or of what was applied when given with --output. "
        "github: workflow annotations for every changed and review site.",
    ),
    report: List[str] = REPORT_OPTION,
) -> None:
    """Apply transforms to PATH… (in place, unless --dry-run, --check or --branch)."""
    dry = dry_run or check
    _check_apply_usage(dry, branch, force, push, fmt)
    extra_reports = _report_files(report)
    if [str(p) for p in paths] == ["-"] or stdin_filename is not None:
        _apply_to_stdin(transforms, paths, stdin_filename, dry, check, option, jobs, quiet, branch)
        return
    show_progress = sys.stderr.isatty() and not quiet and not os.environ.get("CI")

    def run(run_paths: List[Path]) -> RunResult:
        return run_engine(
            transforms, run_paths, option, include, exclude, jobs, show_progress, include_generated
        )

    outcome: Optional[BranchOutcome] = None
    try:
        if branch is not None:
            name = default_branch_name(transforms) if branch == DEFAULT_BRANCH else branch
            outcome = cut_branch(paths, run, name, force=force, push=push, warn=_warn)
            result = outcome.result
        else:
            result = run(paths)
    except ConfigError as error:
        raise _fail_usage(str(error)) from None
    except GitOpsError as error:
        stderr.print(f"[bold red]error[/]: {escape(str(error))}")
        raise typer.Exit(error.exit_code) from None
    changes = result.changes()
    if result.scanned == 0 and not result.all_failures:
        filters = [*(f"--include {g}" for g in include), *(f"--exclude {g}" for g in exclude)]
        stderr.print(
            f"[bold yellow]warning[/]: no Python files matched {escape(' '.join(map(str, paths)))}"
            + (f" ({escape(', '.join(filters))})" if filters else "")
        )
        if check:
            raise typer.Exit(EXIT_FINDINGS)
    wrote = False
    if dry:
        if not (quiet and fmt is None and output is None):  # --quiet: no diff, only errors
            emit_report(result, fmt or "diff", output)
    else:
        wrote = outcome.branch is not None if outcome else _write_in_place(result)
        if fmt is not None or output is not None:
            emit_report(result, fmt or "diff", output, applied=wrote)
    for extra_format, extra_file in extra_reports:
        emit_report(result, extra_format, extra_file, applied=wrote)
    if pr_body is not None:
        _write_pr_body(pr_body, result, outcome, paths)
    if verbose and not quiet:
        for relpath in result.generated_files:
            stderr.print(f"{escape(relpath)}: generated (a marker in its header): left out", highlight=False)
    if not quiet:
        print_summary(result, stderr, dry_run=dry)
    elif result.all_failures:
        for failure in result.all_failures:
            stderr.print(f"{escape(failure.relpath)}: {escape(failure.message)}")
    if outcome is not None:
        _report_branch(outcome, quiet)
    if result.all_failures or (check and changes) or (outcome is not None and outcome.push_error):
        raise typer.Exit(EXIT_FINDINGS)


def _apply_to_stdin(
    transforms: str,
    paths: List[Path],
    stdin_filename: Optional[Path],
    dry: bool,
    check: bool,
    option: List[str],
    jobs: Optional[int],
    quiet: bool,
    branch: Optional[str],
) -> None:
    """`fixit apply NAME - --stdin-filename PATH`, as editors and pipes call black and ruff: the
    source on stdin stands in for PATH in its project; nothing is written to disk."""
    if [str(p) for p in paths] != ["-"] or stdin_filename is None:
        raise _fail_usage("read a source from stdin with PATH `-` and --stdin-filename PATH, together")
    if branch is not None:
        raise _fail_usage("--branch cannot take a source from stdin")
    target = Path(os.path.abspath(stdin_filename))
    data = sys.stdin.buffer.read()
    project = _project_folder(target)
    try:
        result = run_engine(transforms, [project], option, [], [], jobs, False, overrides={target: data})
    except ConfigError as error:
        raise _fail_usage(str(error)) from None
    change = next((c for c in result.changes().values() if c.path == target), None)
    created = [c.relpath for c in result.changes().values() if c.is_new]
    if change is not None and created:
        # the repaired source would need files stdin mode cannot write: give the source back as it was
        stderr.print(
            f"[bold red]error[/]: the repair of {escape(str(stdin_filename))} also creates "
            f"{escape(', '.join(created))}; run `fixit apply {escape(transforms)} PATH` instead"
        )
        sys.stdout.buffer.write(b"" if dry else data)
        sys.stdout.buffer.flush()
        raise typer.Exit(EXIT_FINDINGS)
    if dry:
        sys.stdout.buffer.write(file_diff(change) if change is not None else b"")
    else:
        sys.stdout.buffer.write(change.after if change is not None else data)
    sys.stdout.buffer.flush()
    failures = [f for f in result.all_failures if Path(os.path.abspath(result.display_root / f.relpath)) == target]
    for failure in failures:
        stderr.print(f"{escape(str(stdin_filename))}: {escape(failure.message)}")
    if not quiet:
        relpath = change.relpath if change is not None else ""
        own = [site for site in result.sites if site.path == relpath and relpath]
        for site in own:
            if site.action is Action.REVIEW:
                stderr.print(f"{escape(str(stdin_filename))}:{site.line}: [{site.transform}] {escape(site.message)}")
        changed = sum(1 for site in own if site.action is Action.CHANGED)
        stderr.print(f"fixit: {changed} sites changed in {escape(str(stdin_filename))}", highlight=False)
    if failures or (check and change is not None):
        raise typer.Exit(EXIT_FINDINGS)


def _project_folder(path: Path) -> Path:
    """The project `path` belongs to, as discovery finds it (nearest pyproject.toml, .git, …);
    its own folder when no folder above it is one."""
    top = Path(path.anchor)
    found = project_dir(path, top, {})
    return found if found != top or any((top / marker).exists() for marker in PROJECT_MARKERS) else path.parent


def _write_in_place(result: RunResult) -> bool:
    changes = result.changes()
    if not changes:
        return False
    try:
        write_changes(changes.values())
    except WriteError as error:
        stderr.print(f"[bold red]error[/]: {escape(str(error))}")
        raise typer.Exit(EXIT_FINDINGS) from None
    return True


def _write_pr_body(
    target: Path, result: RunResult, outcome: Optional[BranchOutcome], paths: List[Path]
) -> None:
    if outcome is None:
        body = pull_request_body(
            result.transforms, result.changes().values(), _display_paths(paths, result.display_root)
        )
    else:
        body = pull_request_body(
            result.transforms,
            result.changes().values(),
            outcome.paths,
            branch=outcome.branch,
            base=outcome.base,
            commits=outcome.commits,
        )
    target.write_text(body, encoding="utf-8")


@app.command("check")
def check_command(
    targets: List[str] = typer.Argument(..., metavar="[NAME[,NAME…]|all] PATH…"),
    select: Optional[str] = typer.Option(
        None, "--select", metavar="NAME[,NAME…]", help="Transforms to check (default: all)."
    ),
    jobs: Optional[int] = JOBS_OPTION,
    include: List[str] = INCLUDE_OPTION,
    exclude: List[str] = EXCLUDE_OPTION,
    option: List[str] = TRANSFORM_OPTION,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors."),
    verbose: bool = VERBOSE_OPTION,
    include_generated: bool = INCLUDE_GENERATED_OPTION,
    fmt: Optional[str] = typer.Option(
        None,
        "--output-format",
        "--format",
        metavar="diff|markdown|json|sarif|github",
        help="Report format (default diff; none with --quiet).",
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", metavar="FILE", help="Write the report to FILE instead of stdout."
    ),
    report: List[str] = REPORT_OPTION,
) -> None:
    """Transforms (all unless named), dry: print what would change and exit 1 when anything is
    pending (the CI gate). `fixit check ./backend`, `fixit check timeouts ./backend`."""
    spec, paths = _split_check_targets(targets, select)
    apply(
        spec,
        paths,
        dry_run=True,
        check=True,
        jobs=jobs,
        include=include,
        exclude=exclude,
        option=option,
        output=output,
        quiet=quiet,
        verbose=verbose,
        include_generated=include_generated,
        stdin_filename=None,
        branch=None,
        force=False,
        push=None,
        pr_body=None,
        fmt=fmt,
        report=report,
    )


def _split_check_targets(targets: List[str], select: Optional[str]) -> tuple[str, List[Path]]:
    """(transform spec, paths): a first argument that names transforms and no existing path
    selects them, as `fixit apply NAME PATH` does; otherwise every argument is a path."""
    first = targets[0]
    names = [name.strip() for name in first.split(",") if name.strip()]
    known = set(available()) | {"all"}
    named = len(targets) > 1 and not os.path.exists(first) and bool(names) and set(names) <= known
    if named and select is not None:
        raise _fail_usage("name the transforms once: as the first argument or with --select, not both")
    spec = first if named else (select or "all")
    return spec, [Path(target) for target in (targets[1:] if named else targets)]


from fixit_codemods.cli.batch import batch_app  # noqa: E402 - `fixit batch …` and `fixit batch status`

app.add_typer(batch_app, name="batch")


# A run keeps every file's bytes and many syntax trees alive until it ends: the collector's full
# passes over that heap found nothing to free and took 28-40% of the CPU (profiled, `--jobs 1`).
# Syntax trees hold no reference cycles, so collections can be rare without raising peak memory.
GC_THRESHOLDS = (100_000, 50, 100)


def tune_garbage_collector() -> None:
    """Move what is alive now (the imported modules) out of the collector's sight, and collect
    rarely. Forked workers inherit both (and share the frozen pages instead of copying them)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def exit_now(code: object) -> None:
    """End the process without tearing down the heap object by object (a second or more after a
    large run): exit handlers run and output is flushed first, so nothing written is lost."""
    import atexit
    import threading

    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if (code is not None and not isinstance(code, int)) or threading.active_count() > 1 or watched:
        # a message to print, threads the interpreter would wait for, or a profiler or coverage
        # tool that writes its data at exit: exit the usual way
        raise SystemExit(code)

    atexit._run_exitfuncs()  # pools, temporary folders, logging: the usual clean-up
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: as the interpreter, exit with code 120
            code = code or 120
    os._exit(code or 0)


def main() -> None:
    # `timeout`, `docker stop` and CI cancellation send SIGTERM: stop the way Ctrl-C does (the
    # changeset is written whole or not at all, temporary worktrees are removed)
    signals.install()
    tune_garbage_collector()
    try:
        app()
    except SystemExit as done:
        exit_now(done.code)
    exit_now(0)


if __name__ == "__main__":
    main()
