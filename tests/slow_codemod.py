"""A libcst codemod that holds a batch job in flight until the test signals the batch: it writes a
marker file (`$FIXIT_TEST_IN_FLIGHT/<pid>`) when it starts on a file, then waits; if nothing stops
it, it gives up after 30 s and writes `<pid>.finished`. Used by tests/test_batch_interrupt.py through
`fixit batch slow_codemod:WaitForSignal …`."""

from __future__ import annotations

import os
import time
from pathlib import Path

import libcst as cst
from libcst.codemod import Codemod


class WaitForSignal(Codemod):
    """Announces that a job is in flight, then waits (30 s at most) for the signal."""

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        folder = os.environ.get("FIXIT_TEST_IN_FLIGHT")
        if folder:
            Path(folder, str(os.getpid())).write_text(self.context.filename or "", encoding="utf-8")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                time.sleep(0.05)
            Path(folder, f"{os.getpid()}.finished").write_text("not stopped", encoding="utf-8")
        return tree
