"""Write a changeset all or nothing.

Every file is written to a temporary file beside it and renamed over the original (atomic on
POSIX), keeping the original's permission bits. Before the first write, every target is checked to
still hold what the run read, so a file edited meanwhile is never overwritten. If any write fails,
the files already written are put back and the files created are removed.

A symlinked file is written through: its target gets the change, the link stays a link. SIGINT
and SIGTERM are held while the changeset is written (they take effect right after), so a signal
never leaves half of it on disk, nor a temporary file.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from fixit_codemods.engine import FileChange


class WriteError(Exception):
    """The changeset could not be written; nothing of it remains on disk."""


@dataclass
class _Written:
    path: Path
    before: bytes | None
    created_directories: list[Path]


def _atomic_write(path: Path, data: bytes, mode: int | None) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fixit-tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _make_parents(path: Path) -> list[Path]:
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir()
    return missing


def _check_unchanged(changes: Iterable[FileChange]) -> None:
    for change in changes:
        try:
            current = change.path.read_bytes() if change.path.exists() else None
        except OSError as error:
            raise WriteError(f"{change.relpath}: cannot read before writing: {error}") from error
        if current != change.before:
            state = "was created" if change.before is None else "changed on disk"
            raise WriteError(f"{change.relpath}: {state} during the run; nothing was written")


STOP_SIGNALS = {signal.SIGINT, getattr(signal, "SIGTERM", signal.SIGINT)}


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT/SIGTERM wait until the block is done (POSIX; elsewhere the rollback covers Ctrl-C)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    previous = mask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _target(path: Path) -> Path:
    """Where a change to `path` goes: through a symlink to the file it points at."""
    return path.resolve() if path.is_symlink() else path


def write_changes(changes: Iterable[FileChange]) -> None:
    changes = list(changes)
    _check_unchanged(changes)
    written: list[_Written] = []
    with signals_held():
        try:
            for change in changes:
                path = _target(change.path)
                mode = stat.S_IMODE(path.stat().st_mode) if change.before is not None else None
                created = _make_parents(path)
                written.append(_Written(path, change.before, created))
                _atomic_write(path, change.after, mode)
        except (OSError, KeyboardInterrupt) as error:
            _restore(written)
            raise WriteError(
                f"{written[-1].path}: write failed ({error}); all changes were rolled back"
            ) from error


def _restore(written: list[_Written]) -> None:
    for item in reversed(written):
        try:
            if item.before is None:
                item.path.unlink(missing_ok=True)
                for directory in item.created_directories:
                    directory.rmdir()
            else:
                _atomic_write(item.path, item.before, stat.S_IMODE(item.path.stat().st_mode))
        except OSError:
            continue  # best effort: keep restoring the others
