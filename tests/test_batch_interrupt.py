"""`fixit batch` stopped by Ctrl-C or SIGTERM with jobs in flight, as a real process on local
repositories: the workers stop, no temporary worktree stays (on disk or registered), one line says
so, the exit status is 130 (SIGINT) or 143 (SIGTERM), and no traceback is printed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write
from test_batch import make_remote

TESTS = Path(__file__).resolve().parent
FIXIT = Path(sys.executable).with_name("fixit")

pytestmark = pytest.mark.skipif(sys.platform == "win32" or not hasattr(signal, "SIGTERM"), reason="POSIX signals")


def sigint_as_on_a_terminal() -> None:
    """SIGINT at its default in the child, as a terminal starts a command. A shell that runs the
    tests in the background (`pytest &`) starts them with SIGINT ignored, and Python, like every
    Unix program, keeps an ignored SIGINT ignored: the coordinator would never see the signal this
    test sends (the run went on to its end and exited 0)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def environment(root: Path, in_flight: Path, scratch: Path) -> dict[str, str]:
    identity = {f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER")
                for what, value in (("NAME", "Batch Bot"), ("EMAIL", "bot@example.com"))}
    return dict(
        os.environ, **identity, GIT_CONFIG_GLOBAL=str(root / "no-gitconfig"), GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1", TMPDIR=str(scratch), FIXIT_TEST_IN_FLIGHT=str(in_flight),
        PYTHONPATH=os.pathsep.join([str(TESTS), str(TESTS.parent)]),
    )


def wait_for_a_job_in_flight(process: subprocess.Popen[str], in_flight: Path) -> None:
    deadline = time.monotonic() + 60  # a bound on waiting, not a measurement
    while not list(in_flight.iterdir()):
        assert process.poll() is None and time.monotonic() < deadline, "no job started"
        time.sleep(0.02)


def worktrees(clone: Path) -> list[str]:
    listing = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=clone, capture_output=True, text=True)
    return [line for line in listing.stdout.splitlines() if line.startswith("worktree ")]


@pytest.mark.parametrize(
    "signum, to_the_group, jobs",
    [
        (signal.SIGINT, True, 2),  # Ctrl-C on a terminal: the coordinator and every worker get it
        (signal.SIGTERM, False, 2),  # `timeout`, `docker stop`: the coordinator alone
        (signal.SIGINT, False, 2),
        (signal.SIGTERM, True, 1),  # one job: the work runs in the coordinator itself
    ],
    ids=["ctrl-c-group-2-jobs", "sigterm-2-jobs", "sigint-coordinator-2-jobs", "sigterm-group-1-job"],
)
def test_an_interrupted_batch_stops_its_workers_and_leaves_no_worktree(
    tmp_path: Path, signum: int, to_the_group: bool, jobs: int
) -> None:
    names = ["one", "two", "three", "four"]
    for name in names:
        make_remote(tmp_path, name, {"app/a.py": "value = 1  # kept\n"})
    write(tmp_path / "repos.txt", "".join(f"remotes/{name}.git\n" for name in names))
    in_flight, scratch = tmp_path / "in-flight", tmp_path / "scratch"
    in_flight.mkdir()
    scratch.mkdir()
    env = environment(tmp_path, in_flight, scratch)
    for attempt in range(3):  # the same workspace each time: what one attempt left, the next must survive
        for marker in in_flight.iterdir():
            marker.unlink()
        process = subprocess.Popen(
            [str(FIXIT), "batch", "slow_codemod:WaitForSignal", "repos.txt", "--jobs", str(jobs), "--resume"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            preexec_fn=sigint_as_on_a_terminal,
        )
        wait_for_a_job_in_flight(process, in_flight)
        if to_the_group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        signalled = time.monotonic()
        _, stderr = process.communicate(timeout=120)

        # what the evidence needs if the signal is ever lost: which attempt, how long the run went on
        # after it, and which jobs ran to their end
        seen = f"attempt {attempt}, exit {process.returncode} {time.monotonic() - signalled:.1f}s after the signal, " \
               f"markers {sorted(m.name for m in in_flight.iterdir())}:\n{stderr}"
        assert process.returncode == (130 if signum == signal.SIGINT else 143), seen
        assert "Traceback" not in stderr and "Error" not in stderr, stderr
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Interrupted:"), stderr
        assert not [m.name for m in in_flight.iterdir() if m.name.endswith(".finished")], "a job was not stopped"
        assert list(scratch.iterdir()) == [], f"attempt {attempt}: temporary folders left: {list(scratch.iterdir())}"
        clones = list((tmp_path / ".fixit-batch" / "clones").iterdir())
        assert clones and all(".partial-" not in clone.name for clone in clones)
        for clone in clones:
            assert worktrees(clone) == [f"worktree {clone}"], f"attempt {attempt}: {clone.name}: {worktrees(clone)}"
            assert not (clone / ".git" / "worktrees").exists() or not list((clone / ".git" / "worktrees").iterdir())

    status = subprocess.run([str(FIXIT), "batch", "status"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "interrupted" in status.stdout, status.stdout


def test_a_stop_signal_in_a_finalizer_is_signalled_again_outside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A KeyboardInterrupt raised in `__del__` (a subprocess's `Popen` going, in a job) is printed as
    "Exception ignored" and dropped, and the job would run on: the worker sends itself the signal
    again instead, and raises it where the job can stop."""
    from fixit_codemods.batch import executors

    again: list[int] = []
    monkeypatch.setattr(executors, "signal_again", again.append)
    monkeypatch.setitem(executors._WORKER, "busy", True)
    monkeypatch.setitem(executors._WORKER, "stopping", False)
    raised: list[str] = []

    class Going:
        def __del__(self) -> None:
            try:
                executors._worker_stop(signal.SIGINT, sys._getframe())
            except KeyboardInterrupt:
                raised.append("in the finalizer")

    Going()  # its finalizer runs here, and the signal lands in it
    assert raised == [] and again == [signal.SIGINT] and executors._WORKER["busy"]
    with pytest.raises(KeyboardInterrupt):  # signalled again, outside any finalizer: the job stops
        executors._worker_stop(signal.SIGINT, sys._getframe())
    assert not executors._WORKER["busy"] and executors._WORKER["stopping"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_cli_raises_stop_signals_outside_finalizers(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    """`fixit apply`'s own handlers: a stop signal landing in a `__del__` comes again; elsewhere it
    raises what Ctrl-C raises (Terminated for SIGTERM)."""
    from fixit_codemods.cli import signals

    again: list[int] = []
    monkeypatch.setattr(signals, "signal_again", again.append)
    handler = signals.stop_on_sigint if signum == signal.SIGINT else signals.stop_on_sigterm
    raised: list[BaseException] = []

    class Going:
        def __del__(self) -> None:
            try:
                handler(signum, sys._getframe())
            except KeyboardInterrupt as interrupt:
                raised.append(interrupt)

    Going()
    assert raised == [] and again == [signum]
    with pytest.raises(KeyboardInterrupt) as stopped:
        handler(signum, sys._getframe())
    assert signals.exit_status(stopped.value) == 128 + int(signum)


def test_the_cli_leaves_an_ignored_sigint_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    from fixit_codemods.cli import signals

    installed: dict[int, object] = {}
    monkeypatch.setattr(signal, "signal", lambda signum, handler: installed.__setitem__(signum, handler))
    monkeypatch.setattr(signal, "getsignal", lambda signum: signal.SIG_IGN)
    signals.install()
    assert signal.SIGINT not in installed and installed[signal.SIGTERM] is signals.stop_on_sigterm
    monkeypatch.setattr(signal, "getsignal", lambda signum: signal.default_int_handler)
    signals.install()
    assert installed[signal.SIGINT] is signals.stop_on_sigint
