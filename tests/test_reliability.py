"""Odd input and interruptions: named pipes, non-Python files named explicitly, symlinks, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "timeouts" / "anthropic_messages"
FIXIT = Path(sys.executable).with_name("fixit")


def fixit(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FIXIT), *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(GOLDEN.joinpath("input.py").read_text())
    os.mkfifo(tmp_path / "pipe.py")
    run = fixit("apply", "timeouts", str(tmp_path), "--dry-run", timeout=30)  # reading it would hang
    assert run.returncode == 1
    assert "pipe.py: not a regular file (a named pipe): skipped" in run.stderr
    assert "+++ b/app.py" in run.stdout


def test_a_file_named_explicitly_must_be_python(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("client.messages.create(model='x')\n")
    script = tmp_path / "tool"
    script.write_text("#!/usr/bin/env python3\n" + GOLDEN.joinpath("input.py").read_text())
    run = fixit("apply", "timeouts", str(tmp_path / "README.md"), str(script), "--dry-run")
    assert "README.md: not a Python file (no .py suffix, no python shebang): skipped" in run.stderr
    assert "+++ b/tool" in run.stdout  # a script with a python shebang is taken


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_a_symlinked_file_is_written_through_once(tmp_path: Path) -> None:
    outside, project = tmp_path / "outside", tmp_path / "project"
    outside.mkdir()
    project.mkdir()
    (outside / "llm.py").write_text(GOLDEN.joinpath("input.py").read_text())
    (project / "llm.py").symlink_to(outside / "llm.py")
    (project / "real.py").write_text(GOLDEN.joinpath("input.py").read_text())
    (project / "alias.py").symlink_to("real.py")  # link and target both under PATH
    run = fixit("apply", "timeouts", str(project))
    assert run.returncode == 0, run.stderr
    expected = GOLDEN.joinpath("expected.py").read_text()
    assert (outside / "llm.py").read_text() == expected
    assert (project / "real.py").read_text() == expected
    assert (project / "llm.py").is_symlink() and (project / "alias.py").is_symlink()
    assert "2 changed" in run.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("delay", [0.3, 0.8, 1.4])
def test_sigterm_leaves_all_or_nothing(tmp_path: Path, delay: float) -> None:
    before = GOLDEN.joinpath("input.py").read_text()
    after = GOLDEN.joinpath("expected.py").read_text()
    for index in range(150):
        package = tmp_path / f"svc{index}"
        package.mkdir()
        (package / "llm.py").write_text(before)
    process = subprocess.Popen(
        [str(FIXIT), "apply", "timeouts", str(tmp_path), "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    contents = {path.read_text() for path in tmp_path.rglob("llm.py")}
    assert contents in ({before}, {after}), f"half-written changeset after SIGTERM at {delay}s: {stderr}"
    assert not list(tmp_path.rglob("*.fixit-tmp"))
    if contents == {before}:
        assert process.returncode != 0  # stopped before writing: says so and fails


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("attempt", range(2))
def test_sigterm_in_the_write_phase_finishes_the_changeset(tmp_path: Path, attempt: int) -> None:
    # watch the tree for the first written file, then signal: the rest must follow, nothing stray
    before = GOLDEN.joinpath("input.py").read_text()
    after = GOLDEN.joinpath("expected.py").read_text()
    files = []
    for index in range(250):
        package = tmp_path / f"svc{index}"
        package.mkdir()
        (package / "llm.py").write_text(before)
        files.append(package / "llm.py")
    process = subprocess.Popen(
        [str(FIXIT), "apply", "timeouts", str(tmp_path), "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if any(path.stat().st_size != len(before) for path in files[: 20 + attempt * 50]):
            process.send_signal(signal.SIGTERM)
            break
        time.sleep(0.001)
    process.communicate(timeout=60)
    contents = {path.read_text() for path in files}
    assert contents in ({before}, {after})
    assert not list(tmp_path.rglob("*.fixit-tmp"))


def test_deep_but_valid_code_is_no_internal_error(tmp_path: Path) -> None:
    chain = "".join(f"        elif 'p{i}' in str(e):\n            return {i}\n" for i in range(1, 700))
    (tmp_path / "deep.py").write_text(
        "def f():\n    try:\n        pass\n    except ValueError as e:\n        if 'p0' in str(e):\n"
        "            return 0\n" + chain
    )
    strings = "".join(f'    "s{i}"\n' for i in range(1200))
    (tmp_path / "strings.py").write_text(f"x = (\n{strings})\n")
    run = fixit("apply", "all", str(tmp_path), "--dry-run", timeout=120)
    assert "internal error" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr


def test_the_summary_counts_failed_files_not_records(tmp_path: Path) -> None:
    # read by several transforms, a file that does not parse is one failed file, listed once
    (tmp_path / "bad.py").write_text(
        "def f(:\n    pass\nBase.metadata.create_all()\ndb = await anext(ctx)\nx = Depends(get_session)\n"
    )
    run = fixit("apply", "all", str(tmp_path), "--dry-run")
    assert ", 1 failed;" in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip().startswith("bad.py:")]
    assert len(lines) == 1 and "alembic" in lines[0] and "async-with" in lines[0], run.stderr
