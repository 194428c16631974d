"""The progress bar both commands draw on stderr: `fixit apply`/`check` for the whole run, `fixit batch`
for its repositories. Refreshed by whoever advances it, never by a thread: worker processes are forked,
and forking a threaded process is unsafe."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


def progress_bar(label: str, console: Console) -> Progress:
    """`label`, the bar, done/all, the elapsed time and what is happening; cleared when it stops."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        auto_refresh=False,
        transient=True,
    )
