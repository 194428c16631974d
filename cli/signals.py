"""How the commands stop on a signal: SIGTERM (`timeout`, `docker stop`, a cancelled CI job) raises
`Terminated`, a KeyboardInterrupt, so it stops a run exactly where Ctrl-C would; only the exit status
tells them apart (130 for SIGINT, 143 for SIGTERM: 128 + the signal's number). Either one landing in a
finalizer, where Python would print and drop the exception, comes again a moment later (`interrupts`)."""

from __future__ import annotations

import signal
from types import FrameType

from fixit_codemods.interrupts import in_finalizer, signal_again

EXIT_SIGINT = 128 + int(signal.SIGINT)
EXIT_SIGTERM = 128 + int(getattr(signal, "SIGTERM", 15))


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived."""


def stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    if in_finalizer(frame):
        signal_again(signum)
        return
    raise Terminated


def stop_on_sigint(signum: int, frame: FrameType | None) -> None:
    """Python's own SIGINT handler (a KeyboardInterrupt), but outside finalizers."""
    if in_finalizer(frame):
        signal_again(signum)
        return
    raise KeyboardInterrupt


def install() -> None:
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, stop_on_sigterm)
    # only in place of Python's own: an ignored SIGINT (a command started in the background) stays so
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, stop_on_sigint)


def exit_status(interrupt: KeyboardInterrupt) -> int:
    return EXIT_SIGTERM if isinstance(interrupt, Terminated) else EXIT_SIGINT
