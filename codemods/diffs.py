"""Unified diffs that `git apply` accepts: `a/`/`b/` paths, `/dev/null` for new files, the
'No newline at end of file' marker, and each file's own encoding and line endings kept as bytes."""

from __future__ import annotations

import difflib
from typing import Iterable

from fixit_codemods.engine import FileChange

NO_NEWLINE = b"\\ No newline at end of file\n"


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def file_diff(change: FileChange, context: int = 3) -> bytes:
    before = change.before or b""
    old_name = b"/dev/null" if change.is_new else f"a/{change.relpath}".encode()
    new_name = f"b/{change.relpath}".encode()
    header = f"diff --git a/{change.relpath} b/{change.relpath}\n".encode()
    if change.is_new:
        header += b"new file mode 100644\n"
    body = b""
    for line in difflib.diff_bytes(
        difflib.unified_diff, _lines(before), _lines(change.after), old_name, new_name, n=context
    ):
        if line.startswith((b"---", b"+++")):
            line = line.rstrip(b"\n\t ") + b"\n"  # no trailing tab/date: git prefers the bare path
        if not line.endswith(b"\n"):
            line += b"\n" + NO_NEWLINE
        body += line
    return header + body if body else b""


def unified_diff(changes: Iterable[FileChange]) -> bytes:
    return b"".join(file_diff(change) for change in changes)


def colorize(diff: bytes) -> bytes:
    """ANSI colours as git uses them; only for a terminal."""
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith((b"+++", b"---", b"diff --git", b"new file")):
            out.append(b"\x1b[1m" + line.rstrip(b"\r\n") + b"\x1b[0m\n")
        elif line.startswith(b"@@"):
            out.append(b"\x1b[36m" + line.rstrip(b"\r\n") + b"\x1b[0m\n")
        elif line.startswith(b"+"):
            out.append(b"\x1b[32m" + line.rstrip(b"\r\n") + b"\x1b[0m\n")
        elif line.startswith(b"-"):
            out.append(b"\x1b[31m" + line.rstrip(b"\r\n") + b"\x1b[0m\n")
        else:
            out.append(line)
    return b"".join(out)
