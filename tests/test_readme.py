"""The README says what the code does: its transform table matches `fixit list`."""

from __future__ import annotations

import re
from pathlib import Path

from codemods.registry import builtin_transforms

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_transform_table_matches_the_registry() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| .* \| (safe|unsafe) \|$", README, re.M))
    assert rows == {name: cls.safety.value for name, cls in builtin_transforms().items()}


def test_setup_commands_come_first() -> None:
    commands = re.findall(r"```sh\n(python3 -m venv .*)\n```", README)
    assert commands[0].endswith("fixit apply all examples/backend --dry-run")
    assert "'.[test]'" in commands[1] and commands[1].endswith("pytest -q")
