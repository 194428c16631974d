"""async-with reads library code with the stdlib ast only: `await it.__anext__()` on iterators it
did not create, or on generators of functions that are not units of work, is reported as left
alone without a LibCST parse. LibCST is kept for the files whose sites may be rewritten."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst
import pytest
from fixit_codemods.api import Action, Site
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.async_with import AsyncWithSessions

# Library code of the kind that fooled the old version: it pulls from async iterators everywhere,
# none of them a unit-of-work generator.
STREAMS = textwrap.dedent(
    '''
    """Streams: `anext`, `__anext__` and async iterators all over."""


    def chunks(data):
        return iter(data)


    class Reader:
        async def first(self):
            return await self._iterator.__anext__()

        async def pull(self, stream):
            chunk = await stream.__anext__()
            return chunk


    async def first_chunk(data):
        iterator = chunks(data)
        return await anext(iterator)
    '''
) + "".join(f"\n\nasync def helper_{n}(value):\n    return value + {n}\n" for n in range(200))

MENTIONS_ONLY = '''
    """Explains `anext` and `__anext__` without awaiting either."""
'''

DATABASE = """
    async def get_db_session_context():
        session = object()
        try:
            yield session
        finally:
            pass
"""

TASKS = """
    from app.database import get_db_session_context


    async def sync_items():
        db = await anext(get_db_session_context())
        await db.flush()
"""


@pytest.fixture
def libcst_inputs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts LibCST parses during the test."""
    texts: list[str] = []
    parse = libcst.parse_module

    def recording(text: str, *args: object, **kwargs: object) -> libcst.Module:
        texts.append(text)
        return parse(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(libcst, "parse_module", recording)
    return texts


def run(root: Path, files: dict[str, str]) -> list[Site]:
    """async-with over a project of `files`, as the engine runs it."""
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(textwrap.dedent(text).lstrip())
    return Engine([AsyncWithSessions()], jobs=1).run([root]).sites


def test_library_sites_are_reported_without_libcst(tmp_path: Path, libcst_inputs: list[str]) -> None:
    sites = run(tmp_path, {"lib/__init__.py": "", "lib/streams.py": STREAMS, "lib/docs.py": MENTIONS_ONLY})
    not_created = "left alone: pulls from an async iterator that is not created here by a generator call"
    assert [(site.line, site.action, site.message) for site in sites] == [
        (10, Action.SKIPPED, not_created),
        (13, Action.SKIPPED, not_created),
        (19, Action.SKIPPED, "left alone: `chunks` is not an async generator function"),
    ]
    assert libcst_inputs == []


def test_sites_of_a_unit_of_work_are_still_analysed(tmp_path: Path, libcst_inputs: list[str]) -> None:
    sites = run(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/database.py": DATABASE,
            "app/tasks.py": TASKS,
            "lib/__init__.py": "",
            "lib/streams.py": STREAMS,
        },
    )
    changed = sorted(site.path for site in sites if site.action is Action.CHANGED)
    assert changed == ["app/database.py", "app/tasks.py"]
    assert libcst_inputs and not any("Streams:" in text for text in libcst_inputs)
