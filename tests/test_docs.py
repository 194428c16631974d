"""The worked example in docs/writing-transforms.md runs as written."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import write
from fixit_codemods.engine import Engine

DOC = Path(__file__).resolve().parent.parent / "docs" / "writing-transforms.md"


def test_worked_example_transform(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)[0]
    write(tmp_path / "plugin" / "fixit_print_logging" / "__init__.py", code)
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    sys.modules.pop("fixit_print_logging", None)
    from fixit_print_logging import PrintToLogging  # type: ignore[import-not-found]

    write(tmp_path / "src" / "job.py", 'import os\n\nprint("started")  # keep\nprint("a", "b")\n')
    result = Engine([PrintToLogging()], jobs=1).run([tmp_path / "src"])
    after = result.changes()["job.py"].after.decode()
    assert after == 'import os\nimport logging\n\nlogging.info("started")  # keep\nprint("a", "b")\n'
    assert [(s.line, s.action.value) for s in result.sites] == [(3, "changed"), (4, "review")]
