"""How the commands stop on a signal: SIGTERM (`timeout`, `docker stop`, a cancelled CI job) raises
`Terminated`, a KeyboardInterrupt, so it stops a run exactly where Ctrl-C would; only the exit status
tells them apart (130 for SIGINT, 143 for SIGTERM: 128 + the signal's number)."""

from __future__ import annotations

import signal

EXIT_SIGINT = 128 + int(signal.SIGINT)
EXIT_SIGTERM = 128 + int(getattr(signal, "SIGTERM", 15))


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived."""


def stop_on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def install() -> None:
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, stop_on_sigterm)


def exit_status(interrupt: KeyboardInterrupt) -> int:
    return EXIT_SIGTERM if isinstance(interrupt, Terminated) else EXIT_SIGINT
