"""Where the per-repository work runs: a local process pool, or a Dask distributed cluster.

Both yield results as repositories finish, so the coordinator records each one in the ledger at
once; both cancel what has not started when the coordinator stops iterating (Ctrl-C). The work
and its results are plain picklable data, so the ledger, the report and the branches are the same
whichever executor ran them.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from types import FrameType
from typing import Any, Callable, Iterator, Sequence

from fixit_codemods.api import ConfigError
from fixit_codemods.interrupts import in_finalizer, signal_again

DASK_REQUIREMENT = "dask[distributed]>=2024.1"
EXECUTORS = ("local", "dask")


def default_jobs() -> int:
    return os.cpu_count() or 1


class LocalExecutor:
    """`jobs` worker processes on this machine; in this process when there is one job or one item.

    On Ctrl-C or SIGTERM (the coordinator's iteration ends early) every worker is told to stop: the
    job in flight is interrupted where it is (its `finally` blocks remove what it made), the jobs
    queued behind it are not started, and the workers exit before this returns."""

    def __init__(self, jobs: int = 0) -> None:
        self.jobs = jobs or default_jobs()

    def results(self, function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        if self.jobs <= 1 or len(items) <= 1:
            yield from _in_process(function, items)
            return
        # fork starts workers in milliseconds; the coordinator runs no threads, so forking it is safe
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        pool = ProcessPoolExecutor(
            max_workers=min(self.jobs, len(items)), mp_context=multiprocessing.get_context(method),
            initializer=_worker_started,
        )
        finished = False
        try:
            futures = {pool.submit(_worker_call, function, item): item for item in items}
            for future in as_completed(futures):
                error = future.exception()
                yield futures[future], error if error is not None else future.result()
            finished = True
        finally:
            with stop_signals_deferred():  # a second Ctrl-C must not cut the workers' clean-up short
                if not finished:
                    _stop_workers(pool)
                pool.shutdown(wait=True, cancel_futures=True)


# -- in a worker process: a stop signal interrupts the job in flight once, and nothing starts after it

_WORKER = {"busy": False, "stopping": False}


def _worker_started() -> None:
    """Pool initializer: SIGINT (Ctrl-C reaches the whole process group) and SIGTERM (from the
    coordinator) stop this worker. Never a traceback from a worker waiting for work."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _worker_stop)


def _worker_stop(signum: int, frame: FrameType | None) -> None:
    _WORKER["stopping"] = True
    if not _WORKER["busy"]:
        return
    if in_finalizer(frame):
        # raised there, it would be printed and dropped, and the job would run on (see `interrupts`)
        signal_again(signum)
        return
    _WORKER["busy"] = False  # once: the job's clean-up runs on, whatever else arrives
    raise KeyboardInterrupt


def _worker_call(function: Callable[[Any], Any], item: Any) -> Any:
    """`function(item)`, or a KeyboardInterrupt as its value when the worker was told to stop
    (before or during the call): the coordinator takes that as the batch being interrupted."""
    if _WORKER["stopping"]:
        return KeyboardInterrupt()
    _WORKER["busy"] = True
    try:
        return function(item)
    except KeyboardInterrupt as interrupt:
        return interrupt
    finally:
        _WORKER["busy"] = False


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM to every live worker of `pool`: a busy one stops its job, an idle one takes no more."""
    processes = getattr(pool, "_processes", None) or {}  # CPython keeps them there; there is no public way
    for process in list(processes.values()):
        if process.is_alive() and process.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)


STOP_SIGNALS = (signal.SIGINT, *((signal.SIGTERM,) if hasattr(signal, "SIGTERM") else ()))


@contextlib.contextmanager
def stop_signals_deferred() -> Iterator[list[int]]:
    """SIGINT and SIGTERM are noted (in the yielded list), not acted on, until the block is done.
    Main thread only; elsewhere the block runs as it is."""
    noted: list[int] = []
    try:
        previous = {signum: signal.signal(signum, lambda signum, frame: noted.append(signum)) for signum in STOP_SIGNALS}
    except ValueError:  # not the main thread
        yield noted
        return
    try:
        yield noted
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _in_process(function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
    for item in items:
        try:
            value = function(item)
        except Exception as error:  # noqa: BLE001 - reported as that item's outcome, like a worker's
            value = error
        yield item, value


class DaskExecutor:
    """The work as Dask tasks: on the cluster whose scheduler is at `scheduler`, or on a
    `LocalCluster` of `workers` processes (threads with `processes=False`) started for the run.

    Workers need fixit (and any transform plugins) installed; the workspace path is used as is on
    each worker, so give a shared folder, or accept that each worker keeps its own clones."""

    def __init__(self, scheduler: str | None = None, workers: int = 0, processes: bool = True) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError(
                f"--executor dask needs Dask distributed: pip install 'fixit-codemods[dask]' (or '{DASK_REQUIREMENT}')"
            ) from None
        self.scheduler = scheduler
        self.workers = workers or default_jobs()
        self.processes = processes

    def results(self, function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed as dask_completed

        with self._client() as client:
            futures = {client.submit(function, item, pure=False): item for item in items}
            try:
                for future in dask_completed(list(futures)):
                    error = future.exception()
                    yield futures[future], error if error is not None else future.result()
            finally:
                client.cancel(list(futures))

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        from distributed import Client, LocalCluster

        with contextlib.ExitStack() as stack:
            if self.scheduler:
                client = stack.enter_context(Client(self.scheduler))
            else:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                        dashboard_address=None, silence_logs=logging.ERROR,
                    )
                )
                client = stack.enter_context(Client(cluster))
            yield client


def make_executor(kind: str, jobs: int = 0, scheduler: str | None = None) -> LocalExecutor | DaskExecutor:
    if kind == "dask":
        return DaskExecutor(scheduler, jobs)
    if kind != "local":
        raise ConfigError(f"unknown executor `{kind}`; choose one of {', '.join(EXECUTORS)}")
    if scheduler:
        raise ConfigError("--scheduler applies to --executor dask only")
    return LocalExecutor(jobs)
