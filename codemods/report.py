"""The end-of-run summary on stderr: what was scanned, skipped, changed, failed, and left for review."""

from __future__ import annotations

from fixit_codemods.api import Action
from fixit_codemods.engine import RunResult
from rich.console import Console
from rich.markup import escape


def print_summary(result: RunResult, console: Console, dry_run: bool) -> None:
    changes = result.changes()
    failures = result.all_failures
    changed_sites = sum(r.count(Action.CHANGED) for r in result.transforms)
    review = [s for s in result.sites if s.action is Action.REVIEW]
    verb = "would change" if dry_run else "changed"
    console.print(
        f"[bold]fixit[/]: {result.scanned} files scanned, {result.skipped_by_prefilter} skipped by prefilter"
        + (f" ({result.generated} generated files ignored)" if result.generated else "")
        + f", {len(changes)} {verb}, {len({f.relpath for f in failures})} failed; "
        f"{changed_sites} sites {verb}, {len(review)} left for review",
        highlight=False,
    )
    for transform in result.transforms:
        if transform.changes or transform.sites:
            console.print(
                f"  {transform.name}: {len(transform.changes)} files, "
                f"{transform.count(Action.CHANGED)} sites {verb}, "
                f"{transform.count(Action.REVIEW)} for review",
                highlight=False,
            )
    if review:
        console.print("[bold yellow]Left for review:[/]")
        for site in review:
            console.print(
                f"  {escape(site.path)}:{site.line}: {escape(f'[{site.transform}]')} {escape(site.message)}"
            )
    if failures:
        # one line per file and message: a file that does not parse is one failure, not one per
        # transform that read it
        console.print("[bold red]Failed:[/]")
        grouped: dict[tuple[str, str], list[str]] = {}
        for failure in failures:
            grouped.setdefault((failure.relpath, failure.message), []).append(failure.transform)
        for (relpath, message), transforms in grouped.items():
            names = [name for name in dict.fromkeys(transforms) if name]
            who = f"[{', '.join(names)}] " if names else ""
            console.print(f"  {escape(relpath or '(run)')}: {escape(who)}{escape(message)}", highlight=False)
    notes = [(t.name, note) for t in result.transforms if t.changes for note in t.notes]
    behaviour = [
        (t.name, t.transform.behaviour_change)
        for t in result.transforms
        if t.changes and t.transform.behaviour_change
    ]
    for name, note in behaviour + notes:
        console.print(f"[bold]Note[/] {escape(f'[{name}]')}: {escape(note)}")
