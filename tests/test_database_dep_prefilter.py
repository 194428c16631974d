"""database-dep reads only the modules that can matter: alias candidates (files spelling both
`Annotated` and `Depends`), then, when there is an alias, modules calling `Depends`, and the modules
on their import paths. The rest of the project is never parsed, not even with the stdlib."""

from __future__ import annotations

import textwrap
from functools import cached_property
from pathlib import Path

import pytest
from fixit_codemods.api import Action
from fixit_codemods.engine import Engine
from fixit_codemods.sources import SourceFile
from fixit_codemods.transforms.database_dep import DatabaseDep

DATABASE = """
    from typing import Annotated

    from fastapi import Depends
    from sqlalchemy.ext.asyncio import AsyncSession


    async def get_db_session():
        yield AsyncSession()


    DatabaseDep = Annotated[AsyncSession, Depends(get_db_session)]
"""

ROUTES = """
    from fastapi import APIRouter, Depends
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.database import get_db_session

    router = APIRouter()


    @router.get("/items")
    async def list_items(session: AsyncSession = Depends(get_db_session)):
        return []
"""

# Library code of the kind that fooled the old version: it mentions the trigger words everywhere
# (signatures, docstrings) but defines no alias and depends on nothing of the project's.
LIBRARY = textwrap.dedent('''
    """Dependencies: `Annotated[T, Depends(f)]` declares a dependency; see `Depends`."""
    from typing import Annotated, Any

    from fastapi import Depends


    def settings() -> dict[str, Any]:
        return {}


    def configured(config: Annotated[dict[str, Any], Depends(settings)]) -> dict[str, Any]:
        """Annotated with Depends, Depends, Depends."""
        return config
''') + "".join(f"\n\ndef helper_{n}(value: int = 0) -> int:\n    return value + {n}\n" for n in range(200))

LEGACY = """
    print "this module is Python 2 and mentions nothing this transform looks for"
"""

PLAIN = """
    def add(a: int, b: int) -> int:
        return a + b
"""


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Relative paths of the files parsed with the stdlib (`ast`) and with LibCST (`cst`)."""
    seen: dict[str, set[str]] = {"ast": set(), "cst": set()}
    for kind in ("ast", "cst"):
        original = getattr(SourceFile, kind).func

        def counting(self: SourceFile, original=original, kind=kind):  # type: ignore[no-untyped-def]
            seen[kind].add(self.relpath)
            return original(self)

        replacement = cached_property(counting)
        replacement.__set_name__(SourceFile, kind)
        monkeypatch.setattr(SourceFile, kind, replacement)
    return seen


def write_project(root: Path, files: dict[str, str]) -> Path:
    (root / "pyproject.toml").write_text("")
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def test_with_an_alias_only_modules_that_depend_on_something_are_read(
    tmp_path: Path, parsed: dict[str, set[str]]
) -> None:
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/database.py": DATABASE,
            "app/routes.py": ROUTES,
            "app/library.py": LIBRARY,
            "app/legacy.py": LEGACY,
            "app/plain.py": PLAIN,
        },
    )
    result = Engine([DatabaseDep()], jobs=1).run([root])
    assert [(site.path, site.action) for site in result.sites] == [("app/routes.py", Action.CHANGED)]
    assert result.all_failures == []  # the Python 2 module was never read
    assert "app/legacy.py" not in parsed["ast"]
    assert "app/plain.py" not in parsed["ast"]
    # the alias's own module may have parameters below the alias; the library is read with ast only
    assert parsed["cst"] == {"app/database.py", "app/routes.py"}


def test_without_an_alias_only_alias_candidates_are_read(tmp_path: Path, parsed: dict[str, set[str]]) -> None:
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/routes.py": ROUTES.replace("from app.database import", "from app.session import"),
            "app/session.py": "async def get_db_session():\n    yield None\n",
            "app/library.py": LIBRARY,
            "app/legacy.py": LEGACY,
        },
    )
    result = Engine([DatabaseDep()], jobs=1).run([root])
    assert result.sites == [] and result.all_failures == []
    assert parsed["ast"] == {"app/library.py"}  # spells Annotated and Depends: could define an alias
    assert parsed["cst"] == set()
