"""Stop signals that land in a finalizer. Python runs a signal handler in the main thread between two
bytecodes, whatever code that is; when it is a finalizer (`__del__`: a subprocess's `Popen` object
going, for one), an exception the handler raises cannot leave it: Python prints it as "Exception
ignored" and drops it, and the run would go on as if no signal had come. A handler that finds itself
in a finalizer sends the same signal again a moment later instead, to be raised outside it."""

from __future__ import annotations

import os
import threading
from types import FrameType

AGAIN_AFTER = 0.005  # seconds: long enough for a finalizer to end


def in_finalizer(frame: FrameType | None) -> bool:
    """Whether `frame` (the one a signal handler was handed) runs inside a `__del__`."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def signal_again(signum: int, delay: float = AGAIN_AFTER) -> None:
    """Send this process `signum` again after `delay` seconds (from a daemon timer thread)."""
    timer = threading.Timer(delay, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()
