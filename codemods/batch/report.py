"""The batch's results for people and programs: the JSON report (`--report FILE`) and the status
table (`fixit batch status`).

The report (schema `fixit-batch-report`, version 1):

    {
      "schema": "fixit-batch-report", "version": 1, "transforms": "timeouts",
      "summary": {"changed": 12, "unchanged": 30, "failed": 1},
      "repositories": [                      # one record per manifest entry, in manifest order
        {
          "repo": "git@github.com:acme/billing.git",   # as written in the manifest
          "line": 3, "ref": null, "path": null,        # manifest line, @ref and #folder
          "status": "changed",                         # changed | unchanged | failed
          "branch": "fixit/timeouts", "commit": "<sha of the branch tip>",
          "commits": {"timeouts": "<sha>"},            # one per transform that changed something
          "base": "<sha the branch was cut from>",
          "files": ["app/llm.py"],                     # files changed, relative to the repository
          "sites": 3, "review": 1,                     # sites changed, sites left for review
          "errors": ["app/broken.py: cannot parse: …"],# files that failed, clone/push errors
          "failed_files": ["app/broken.py"],           # files that failed (read, parse, rewrite)
          "pushed": "origin",                          # the remote pushed to, or null
          "resumed": false                             # true: taken from the ledger by --resume
        }
      ]
    }
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from fixit_codemods.batch.ledger import JobRow
from rich.markup import escape
from rich.table import Table

REPORT_SCHEMA = "fixit-batch-report"
REPORT_VERSION = 1
STATUSES = ("changed", "unchanged", "failed")


def summary(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    return {**dict.fromkeys(STATUSES, 0), **Counter(record["status"] for record in records)}


def report_document(transforms: str, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "version": REPORT_VERSION,
        "transforms": transforms,
        "summary": summary(records),
        "repositories": [_complete(record) for record in records],
    }


def _complete(record: dict[str, Any]) -> dict[str, Any]:
    """A record with the keys added since version 1 first shipped: a record that `--resume` takes
    from a ledger written by an older fixit lacks them."""
    return {**record, "failed_files": record.get("failed_files", [])}


def write_report(path: Path, transforms: str, records: Sequence[dict[str, Any]]) -> None:
    text = json.dumps(report_document(transforms, records), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def status_table(rows: Sequence[JobRow]) -> Table:
    """Where each repository stands: one row per repository and set of transforms."""
    table = Table(box=None, pad_edge=False, show_edge=False)
    # the error and the repository wrap on a narrow terminal; the short columns stay whole
    table.add_column("repository", overflow="fold")
    for column in ("transforms", "state", "branch", "commit"):
        table.add_column(column, no_wrap=True)
    for column in ("files", "sites"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("errors", overflow="fold", ratio=1)
    table.add_column("finished", no_wrap=True)
    for row in rows:
        table.add_row(
            escape(row.repo), escape(row.transforms), _state(row.state), escape(row.branch or ""),
            (row.commit or "")[:12], _number(row.files), _number(row.sites), escape(_first_error(row)),
            _when(row.finished),
        )
    return table


def _state(state: str) -> str:
    colour = {"changed": "green", "unchanged": "dim", "failed": "bold red", "interrupted": "yellow"}.get(state, "")
    return f"[{colour}]{state}[/]" if colour else state


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _first_error(row: JobRow) -> str:
    errors = (row.record or {}).get("errors") or []
    if not errors:
        return ""
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0]}{more}"


def _when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else ""


def state_counts(rows: Iterable[JobRow]) -> dict[str, int]:
    return dict(Counter(row.state for row in rows))
