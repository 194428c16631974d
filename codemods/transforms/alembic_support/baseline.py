"""Run `render_baseline.py` in a subprocess: the project's models are imported there, never in
fixit's own process (importing application code has side effects, and may need another
interpreter's packages).

A fresh interpreter per project spends most of its time importing SQLAlchemy, Alembic and
FastAPI (half the CPU of a run over many small services). So the script runs once per
interpreter and fixit process in warm mode (`WarmRenderer`), having imported them, and forks a
child per project set up as a fresh interpreter would be; the answer is the same. A fresh
interpreter is still used where the warm one cannot stand in for it: no `fork`, PYTHONPATH set
(the preloaded libraries might not be the ones the project would import), a project folder holding
a module of a preloaded name, or a warm process that failed.
"""

from __future__ import annotations

import atexit
import json
import locale
import multiprocessing
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, ClassVar, Sequence

from fixit_codemods.transforms.alembic_support.scaffold import baseline_revision
from fixit_codemods.transforms.alembic_support.schema import MetadataTarget

SCRIPT = Path(__file__).with_name("render_baseline.py")
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Baseline:
    filename: str = ""
    text: str = ""
    error: str = ""  # why no baseline could be rendered
    skipped_schemas: tuple[str, ...] = ()  # tables in these schemas are not in the baseline
    removed: tuple[str, ...] = ()  # files the models' import created in the project, removed again


def project_interpreters(explicit: str, root: Path) -> list[str]:
    """Interpreters that may import the project's models, most specific first: the one the user
    named, the project's own virtual environment (`.venv`, `venv`), the active one ($VIRTUAL_ENV),
    then fixit's own (fixit may run from pipx, pre-commit or the GitHub Action, beside the project)."""
    if explicit:
        return [explicit]
    found: list[str] = []
    folders = [root / ".venv", root / "venv"]
    if os.environ.get("VIRTUAL_ENV"):
        folders.append(Path(os.environ["VIRTUAL_ENV"]))
    for folder in folders:
        for python in (folder / "bin" / "python", folder / "Scripts" / "python.exe"):
            if python.is_file() and os.access(python, os.X_OK):
                found.append(str(python))
                break
    found.append(sys.executable)
    return list(dict.fromkeys(found))


def render_baseline(
    python: str, root: Path, sys_path: Sequence[str], targets: Sequence[MetadataTarget], engine: str | None
) -> Baseline:
    """The baseline for `targets`; `engine` (qualified name) gives the dialect to render for."""
    modules = sorted({m for t in targets for m in (t.module, *t.model_modules)})
    request = {
        "sys_path": list(sys_path),
        "modules": modules,
        "metadata": [[t.module, t.expression] for t in targets],
        "engine": list(engine.rpartition(".")[::2]) if engine and "." in engine else None,
    }
    python_path = [*sys_path, *filter(None, [os.environ.get("PYTHONPATH")])]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(python_path), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [python, str(SCRIPT), json.dumps(request)]
    before = tree_state(root)
    try:
        baseline = _baseline_from(run_script(command, root, environment, python_path))
    except (OSError, subprocess.TimeoutExpired) as error:
        baseline = Baseline(error=f"could not run {python}: {error}")
    finally:
        removed = remove_what_the_import_created(root, before)
    return replace(baseline, removed=tuple(removed))


def _baseline_from(completed: subprocess.CompletedProcess[str]) -> Baseline:
    answer = _last_json_line(completed.stdout)
    if answer is None:
        detail = (completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"])[-1]
        return Baseline(error=f"the model import process failed: {detail}")
    if "error" in answer:
        return Baseline(error=answer["error"])
    filename, text = baseline_revision(answer["upgrades"], answer["downgrades"], answer["imports"])
    return Baseline(filename, text, skipped_schemas=tuple(answer["skipped_schemas"]))


# Folders whose contents the import may legitimately touch and a snapshot need not read.
UNWATCHED_FOLDERS = frozenset({".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"})


def tree_state(root: Path) -> tuple[set[str], set[str]]:
    """(files, folders) under `root`, relative, outside UNWATCHED_FOLDERS."""
    files: set[str] = set()
    folders: set[str] = set()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in UNWATCHED_FOLDERS]
        relative = os.path.relpath(folder, root)
        folders.update(os.path.normpath(os.path.join(relative, name)) for name in subfolders)
        files.update(os.path.normpath(os.path.join(relative, name)) for name in names)
    return files, folders


def remove_what_the_import_created(root: Path, before: tuple[set[str], set[str]]) -> list[str]:
    """Application code run at import time may write into the project (a settings module that copies
    `.env.example` to `.env`, a log file, a SQLite file): a dry run must leave the tree as it was, and
    a real run must write only its own changes. Files and folders that appeared while the models were
    imported are removed (the import ran in the project's tree and nothing else of fixit writes there
    before the changeset)."""
    files_before, folders_before = before
    files_after, folders_after = tree_state(root)
    removed = []
    for relpath in sorted(files_after - files_before):
        try:
            (root / relpath).unlink()
            removed.append(Path(relpath).as_posix())
        except OSError:
            pass
    for relpath in sorted(folders_after - folders_before, key=len, reverse=True):
        try:
            (root / relpath).rmdir()  # only when empty: whatever else is in it stays
        except OSError:
            pass
    return removed


def _last_json_line(output: str) -> dict | None:
    for line in reversed(output.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def run_script(
    command: list[str], root: Path, environment: dict[str, str], python_path: list[str]
) -> subprocess.CompletedProcess[str]:
    """`command` as `subprocess.run` would complete it (text output, timeout), by a warm process
    where one can stand in for a fresh interpreter."""
    warm = WarmRenderer.for_python(command[0])
    if warm is not None:
        completed = warm.run(command, root, environment, python_path)
        if completed is not None:
            return completed
    return subprocess.run(
        command,
        check=False,  # the answer, errors included, is on stdout
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )


class WarmRenderer:
    """`render_baseline.py --serve` under one interpreter, for the process that started it."""

    _running: ClassVar[dict[str, WarmRenderer]] = {}
    _lock = threading.Lock()

    def __init__(self, python: str, shared: bool = False) -> None:
        self.pid = os.getpid()
        self.used = False  # started ahead of need and never asked: killed at exit, not waited for
        # shared: started before the worker processes forked; each asks in turn, under this lock
        self.turns = multiprocessing.get_context("fork").Lock() if shared else None
        self.broken = False  # a reply that did not answer the request: not asked again here
        self.asked = 0
        self.process = subprocess.Popen(
            [python, str(SCRIPT), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=SCRIPT.parent,
        )

    @classmethod
    def start_early(cls, python: str) -> None:
        """Start `python`'s warm process now, so that its imports of SQLAlchemy, Alembic and FastAPI
        (about half a second) run on another core while this process finds and classifies the sites."""
        cls.for_python(python)

    @classmethod
    def share(cls, python: str) -> None:
        """Start `python`'s warm process for the worker processes about to be forked from this one
        (see `Transform.before_reading`): they ask it in turn instead of each importing SQLAlchemy,
        Alembic and FastAPI into one of their own."""
        if "fork" not in multiprocessing.get_all_start_methods() or os.environ.get("PYTHONPATH"):
            return  # workers that do not fork from here would not see it
        with cls._lock:
            if python not in cls._running:
                try:
                    cls._running[python] = WarmRenderer(python, shared=True)
                except OSError:
                    pass

    @classmethod
    def stop_unused(cls, python: str) -> None:
        """End `python`'s warm process if this process started it and nothing has asked it yet."""
        with cls._lock:
            warm = cls._running.get(python)
            if warm is not None and warm.pid == os.getpid() and not warm.used:
                warm._stop()

    @classmethod
    def for_python(cls, python: str) -> WarmRenderer | None:
        if not hasattr(os, "fork") or os.environ.get("PYTHONPATH"):
            return None
        with cls._lock:
            warm = cls._running.get(python)
            # a forked worker must not share its parent's pipes (each process starts its own),
            # except a renderer started to be shared, asked in turns, while it answers right
            if warm is None or (warm.pid != os.getpid() and (warm.turns is None or warm.broken)):
                try:
                    warm = cls._running[python] = WarmRenderer(python)
                except OSError:
                    return None
            return warm

    def run(
        self, command: list[str], root: Path, environment: dict[str, str], python_path: list[str]
    ) -> subprocess.CompletedProcess[str] | None:
        """The completed run, or None when a fresh interpreter must run it instead."""
        self.used = True
        job = {
            "argv": command[1:],
            "cwd": str(root),
            "env": environment,
            "python_path": python_path,
            "timeout": TIMEOUT_SECONDS,
        }
        with self._lock:
            if self.turns is None:
                reply = self._ask(job)
            elif self.turns.acquire(timeout=TIMEOUT_SECONDS):
                try:
                    reply = self._ask(job)
                finally:
                    self.turns.release()
            else:
                reply = None
        if reply is None or reply.get("fresh"):
            return None
        if reply.get("timeout"):
            raise subprocess.TimeoutExpired(command, TIMEOUT_SECONDS)
        return subprocess.CompletedProcess(
            command, reply["returncode"], _as_text(reply["stdout"]), _as_text(reply["stderr"])
        )

    def _ask(self, job: dict[str, object]) -> dict[str, object] | None:
        stdin, stdout = self.process.stdin, self.process.stdout
        self.asked += 1
        job = {**job, "id": f"{os.getpid()}:{self.asked}"}  # a shared renderer's reply names its request
        try:
            assert stdin is not None and stdout is not None
            stdin.write(json.dumps(job).encode() + b"\n")
            stdin.flush()
            line = stdout.readline()
            if line:
                reply: dict[str, object] = json.loads(line)
                if reply.get("id") == job["id"]:
                    return reply
        except (OSError, ValueError):
            pass
        self._stop()  # the warm process died, or answered another request: not asked again here
        return None

    def _stop(self) -> None:
        self.broken = True
        self._running.pop(next((k for k, v in self._running.items() if v is self), ""), None)
        if self.pid != os.getpid():
            return  # another process's (a shared one): its owner ends it
        _close(self.process.stdin)
        self.process.kill()
        self.process.wait()

    @classmethod
    def close_all(cls) -> None:
        """End the warm processes this process started (they also end when it does: their stdin closes)."""
        for warm in list(cls._running.values()):
            if warm.pid == os.getpid():
                _close(warm.process.stdin)
                if not warm.used:
                    warm.process.kill()  # still importing, perhaps: nothing of it is needed
                try:
                    warm.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    warm.process.kill()
        cls._running.clear()


def _close(stream: IO[bytes] | None) -> None:
    try:
        if stream is not None:
            stream.close()
    except OSError:
        pass


def _as_text(latin1: str) -> str:
    """The child's bytes as `subprocess.run(text=True)` decodes them: the locale's encoding,
    universal newlines."""
    data = latin1.encode("latin-1").decode(locale.getpreferredencoding(False))
    return data.replace("\r\n", "\n").replace("\r", "\n")


atexit.register(WarmRenderer.close_all)
