"""The `fixit` command line.

Exit codes, as ruff and most linters use them: 0 done (or nothing to do), 1 `--check` found
changes or some files failed, 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from codemods import __version__
from codemods.api import ConfigError, Transform
from codemods.config import merge_options, parse_cli_options, settings_from_pyproject
from codemods.diffs import colorize, unified_diff
from codemods.engine import Engine, RunResult
from codemods.registry import available, select
from codemods.report import print_summary
from codemods.writer import WriteError, write_changes

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="fixit",
    help="Repair the defects audits keep finding in FastAPI + SQLAlchemy backends, as reviewable diffs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail_usage(message: str) -> typer.Exit:
    stderr.print(f"[bold red]error[/]: {escape(message)}")
    return typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fixit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
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
        raise _fail_usage(f"unknown transform {name!r}; available: {', '.join(transforms)}")
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


def _progress_callback(enabled: bool):  # type: ignore[no-untyped-def]
    """A one-line progress bar on stderr, redrawn in place. Drawn by hand rather than with a
    refresh thread: worker processes are forked, and forking a threaded process is unsafe."""
    if not enabled:
        return None

    def show(label: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "█" * filled + "░" * (width - filled)
        sys.stderr.write(f"\r\x1b[2K{bar} {done}/{total} {label}")
        if done >= total:
            sys.stderr.write("\r\x1b[2K")
        sys.stderr.flush()

    return show


def run_engine(
    spec: str,
    paths: List[Path],
    options: List[str],
    include: List[str],
    exclude: List[str],
    jobs: Optional[int],
    progress: bool,
) -> RunResult:
    """Resolve configuration and transforms, then run. Raises ConfigError for usage mistakes."""
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if not existing:
        raise ConfigError(f"no such file or directory: {', '.join(str(p) for p in paths)}")
    settings = settings_from_pyproject(Path(os.path.abspath(existing[0])))
    transform_options = merge_options(settings.transform_options, parse_cli_options(options))
    transforms = select(spec, transform_options)
    engine = Engine(
        transforms,
        jobs=jobs if jobs is not None else (settings.jobs or 0),
        include=[*settings.include, *include],
        exclude=[*settings.exclude, *exclude],
        on_progress=_progress_callback(progress),
    )
    return engine.run(paths)


def emit_diff(result: RunResult, output: Optional[Path]) -> None:
    diff = unified_diff(result.changes().values())
    if output is not None:
        output.write_bytes(diff)
        return
    if sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        diff = colorize(diff)
    sys.stdout.flush()
    sys.stdout.buffer.write(diff)
    sys.stdout.buffer.flush()


@app.command()
def apply(
    transforms: str = typer.Argument(..., metavar="NAME[,NAME…]|all", help="Transforms to apply."),
    paths: List[Path] = typer.Argument(..., metavar="PATH…", help="Files or folders to repair."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write nothing; print a unified diff (git apply format)."),
    check: bool = typer.Option(False, "--check", help="Like --dry-run, but exit 1 when anything would change."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=0, help="Worker processes (default: all cores)."),
    include: List[str] = typer.Option([], "--include", help="Only files matching this glob (repeatable)."),
    exclude: List[str] = typer.Option([], "--exclude", help="Skip files matching this glob (repeatable)."),
    option: List[str] = typer.Option([], "--option", "-o", help="NAME.KEY=VALUE transform option (repeatable)."),
    output: Optional[Path] = typer.Option(None, "--output", help="Write the diff to FILE instead of stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary, only errors."),
) -> None:
    """Apply transforms to PATH… (in place, unless --dry-run or --check)."""
    dry = dry_run or check
    show_progress = sys.stderr.isatty() and not quiet and not os.environ.get("CI")
    try:
        result = run_engine(transforms, paths, option, include, exclude, jobs, show_progress)
    except ConfigError as error:
        raise _fail_usage(str(error)) from None
    changes = result.changes()
    if dry:
        emit_diff(result, output)
    elif changes:
        try:
            write_changes(changes.values())
        except WriteError as error:
            stderr.print(f"[bold red]error[/]: {escape(str(error))}")
            raise typer.Exit(EXIT_FINDINGS) from None
    if not quiet:
        print_summary(result, stderr, dry_run=dry)
    elif result.all_failures:
        for failure in result.all_failures:
            stderr.print(f"{escape(failure.relpath)}: {escape(failure.message)}")
    if result.all_failures or (check and changes):
        raise typer.Exit(EXIT_FINDINGS)


@app.command("check")
def check_command(
    paths: List[Path] = typer.Argument(..., metavar="PATH…"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=0),
    option: List[str] = typer.Option([], "--option", "-o"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """All transforms, dry: print what would change and exit 1 when anything is pending (the CI gate)."""
    apply("all", paths, dry_run=True, check=True, jobs=jobs, include=[], exclude=[], option=option,
          output=None, quiet=quiet)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
