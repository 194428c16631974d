"""Where every repository of a batch stands, in SQLite in the workspace (`ledger.sqlite3`).

One row per repository *job*: a manifest entry together with the transforms and options it runs
with (`resume_key`). A row goes `running` when its work is handed to a worker, then `changed`,
`unchanged` or `failed` with the result; a run stopped by Ctrl-C turns its `running` rows into
`interrupted`. `--resume` skips the jobs whose row is `changed` or `unchanged`.

Only the coordinating process writes, each change in its own transaction, in WAL mode: a run
killed at any moment leaves every row either before or after one state change, never half-written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

LEDGER_FILE = "ledger.sqlite3"
SCHEMA_VERSION = 1
DONE_STATES = ("changed", "unchanged")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    manifest TEXT NOT NULL,
    transforms TEXT NOT NULL,
    state TEXT NOT NULL  -- running | finished | interrupted
);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,  -- resume_key(): repository + transforms + options
    repo TEXT NOT NULL,  -- as written in the manifest
    location TEXT NOT NULL,
    ref TEXT,
    subdir TEXT,
    transforms TEXT NOT NULL,
    options TEXT NOT NULL,  -- JSON
    state TEXT NOT NULL,  -- running | changed | unchanged | failed | interrupted
    branch TEXT,
    commit_sha TEXT,
    files INTEGER,
    sites INTEGER,
    errors INTEGER,
    record TEXT,  -- the report record (JSON) of the last finished attempt
    attempts INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER REFERENCES runs(id),
    started REAL,
    finished REAL
);
"""


def resume_key(parts: Mapping[str, Any]) -> str:
    """A stable digest of what makes two jobs the same work (repository, transforms, options)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class JobRow:
    """One row of the ledger, as `fixit batch status` shows it."""

    repo: str
    ref: str | None
    subdir: str | None
    transforms: str
    state: str
    branch: str | None
    commit: str | None
    files: int | None
    sites: int | None
    errors: int | None
    attempts: int
    finished: float | None
    record: dict[str, Any] | None


class Ledger:
    def __init__(self, workspace: Path) -> None:
        workspace.mkdir(parents=True, exist_ok=True)
        self.path = workspace / LEDGER_FILE
        self.connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.connection.execute(statement)
            self.connection.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )

    def close(self) -> None:
        self.connection.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self.connection)

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, manifest: str, transforms: str) -> int:
        with self._transaction():
            cursor = self.connection.execute(
                "INSERT INTO runs (started, manifest, transforms, state) VALUES (?, ?, ?, 'running')",
                (time.time(), manifest, transforms),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, interrupted: bool = False) -> None:
        """Close the run; when interrupted, its jobs still `running` become `interrupted`."""
        with self._transaction():
            if interrupted:
                self.connection.execute(
                    "UPDATE jobs SET state = 'interrupted' WHERE run_id = ? AND state = 'running'", (run_id,)
                )
            self.connection.execute(
                "UPDATE runs SET finished = ?, state = ? WHERE id = ?",
                (time.time(), "interrupted" if interrupted else "finished", run_id),
            )

    # -- jobs -----------------------------------------------------------------------------------

    def done(self, key: str) -> dict[str, Any] | None:
        """The report record of a job already done (changed or unchanged), else None."""
        row = self.connection.execute(
            "SELECT record FROM jobs WHERE key = ? AND state IN (?, ?)", (key, *DONE_STATES)
        ).fetchone()
        return json.loads(row["record"]) if row and row["record"] else None

    def start_jobs(self, run_id: int, jobs: Sequence[Mapping[str, Any]]) -> None:
        """Mark jobs as handed to the workers (`running`), counting the attempt. Each mapping has
        key, repo, location, ref, subdir, transforms and options."""
        now = time.time()
        with self._transaction():
            for job in jobs:
                self.connection.execute(
                    """
                    INSERT INTO jobs (key, repo, location, ref, subdir, transforms, options, state,
                                      attempts, run_id, started)
                    VALUES (:key, :repo, :location, :ref, :subdir, :transforms, :options, 'running', 1, :run_id, :now)
                    ON CONFLICT (key) DO UPDATE SET
                        repo = excluded.repo, state = 'running', attempts = jobs.attempts + 1,
                        run_id = excluded.run_id, started = excluded.started
                    """,
                    {**job, "options": json.dumps(job["options"], sort_keys=True), "run_id": run_id, "now": now},
                )

    def finish_job(self, key: str, record: Mapping[str, Any]) -> None:
        """Store a job's result (`record` is its report record: status, branch, commit, …)."""
        with self._transaction():
            self.connection.execute(
                """
                UPDATE jobs SET state = ?, branch = ?, commit_sha = ?, files = ?, sites = ?, errors = ?,
                                record = ?, finished = ?
                WHERE key = ?
                """,
                (
                    record["status"], record.get("branch"), record.get("commit"), len(record.get("files", [])),
                    record.get("sites", 0), len(record.get("errors", [])), json.dumps(record), time.time(), key,
                ),
            )

    def rows(self) -> list[JobRow]:
        """Every job, by repository as written, then by transforms."""
        return [_job_row(row) for row in self.connection.execute("SELECT * FROM jobs ORDER BY repo, subdir, transforms")]

    def row(self, key: str) -> JobRow | None:
        found = self.connection.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
        return _job_row(found) if found else None


def _job_row(row: sqlite3.Row) -> JobRow:
    return JobRow(
        row["repo"], row["ref"], row["subdir"], row["transforms"], row["state"], row["branch"], row["commit_sha"],
        row["files"], row["sites"], row["errors"], row["attempts"], row["finished"],
        json.loads(row["record"]) if row["record"] else None,
    )


class _Transaction:
    """`with ledger._transaction():` — BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error (Ctrl-C too)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")


def open_existing(workspace: Path) -> Ledger | None:
    """The workspace's ledger, or None when no batch has run there (never creates one)."""
    return Ledger(workspace) if (workspace / LEDGER_FILE).is_file() else None
