"""The rewrite's sites found on the reduced copy are the whole tree's: same facts, the very same
target statements of the file's own tree, the same kept blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixit_codemods.sources import SourceFile
from fixit_codemods.transforms.alembic_support import sites
from fixit_codemods.transforms.alembic_support.sites import find_sites, sites_to_edit

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    path
    for folder in (ROOT / "golden" / "alembic", ROOT / "examples")
    for path in folder.rglob("*.py")
    if "expected" not in path.parts and b"create_all" in path.read_bytes()
)


def source_of(path: Path) -> SourceFile:
    return SourceFile(path, path.name, path.stem, False, path.read_bytes())


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sites_to_edit_are_the_whole_trees(path: Path) -> None:
    whole = find_sites(source_of(path))
    source = source_of(path)
    fast = sites_to_edit(source)
    assert [s.facts for s in fast] == [s.facts for s in whole]
    for quick, full in zip(fast, whole):
        assert (quick.target is None) == (full.target is None)
        if quick.target is not None:
            # a node of the file's own tree, written as the whole tree's target is
            assert source.cst.code_for_node(quick.target) == source_of(path).cst.code_for_node(full.target)  # type: ignore[arg-type]
            assert any(node is quick.target for node in _statements(source))
        assert [source.cst.code_for_node(s) for s in quick.block] == [
            source_of(path).cst.code_for_node(s) for s in full.block
        ]


def _statements(source: SourceFile):  # type: ignore[no-untyped-def]
    import libcst as cst

    found = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.BaseStatement):
                found.append(node)
            return True

    source.cst.visit(Collect())
    return found


def test_the_whole_tree_is_not_read_when_the_copy_answers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_text(
        "from app.models import Base\nfrom app.engine import engine\n\n\n"
        "def unrelated(x):\n    return x + 1\n\n\n"
        "async def init_db():\n    async with engine.begin() as conn:\n        print('creating')\n"
        "        await conn.run_sync(Base.metadata.create_all)\n"
    )
    source = source_of(path)

    def whole_tree(*args: object) -> object:
        raise AssertionError("the whole file's metadata was computed")

    monkeypatch.setattr(sites, "find_sites", whole_tree)
    found = sites_to_edit(source)
    assert len(found) == 1 and found[0].target is not None and found[0].block
