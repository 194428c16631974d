"""The README says what the code does: its transform table matches `fixit list`."""

from __future__ import annotations

import re
from pathlib import Path

from fixit_codemods.registry import builtin_transforms

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_transform_table_matches_the_registry() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| .* \| (safe|unsafe) \|$", README, re.M))
    assert rows == {name: cls.safety.value for name, cls in builtin_transforms().items()}


def test_setup_commands_come_first() -> None:
    commands = re.findall(r"```sh\n(python3 -m venv .*)\n```", README)
    assert commands[0].endswith("fixit apply all examples/backend --dry-run")
    assert "--group test" in commands[1] and commands[1].endswith("pytest -q")


def test_readme_has_no_relative_links() -> None:
    # the README is the package's long description on the index, where a relative link leads nowhere
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    assert [t for t in targets if not t.startswith(("https://", "http://"))] == []


def test_pre_commit_rev_in_the_docs_is_the_release_tag_of_this_version() -> None:
    from fixit_codemods import __version__

    root = Path(__file__).resolve().parent.parent
    for document in (root / ".pre-commit-hooks.yaml", root / "docs" / "pull-requests.md", root / "README.md"):
        revs = set(re.findall(r"rev: (v[0-9][^\s`]*)", document.read_text()))
        assert revs == {f"v{__version__}"}, document.name
