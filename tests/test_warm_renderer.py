"""The warm baseline renderer: a reply is taken only for the request it answers; a renderer shared
by forked workers is asked in turns."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import pytest
from fixit_codemods.transforms.alembic_support import baseline
from fixit_codemods.transforms.alembic_support.baseline import WarmRenderer

ANSWERS_ANOTHER_REQUEST = """
import json, sys
for line in sys.stdin:
    print(json.dumps({"returncode": 0, "stdout": "{}", "stderr": "", "id": "someone else's"}), flush=True)
"""

ECHOES = """
import json, sys
for line in sys.stdin:
    job = json.loads(line)
    print(json.dumps({"returncode": 0, "stdout": job["cwd"], "stderr": "", "id": job["id"]}), flush=True)
"""


pytestmark = pytest.mark.skipif(
    bool(os.environ.get("PYTHONPATH")), reason="with PYTHONPATH set, fresh interpreters render every baseline"
)


@pytest.fixture
def fake_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def install(code: str) -> None:
        script = tmp_path / "serve.py"
        script.write_text(code)
        monkeypatch.setattr(baseline, "SCRIPT", script)

    monkeypatch.setattr(WarmRenderer, "_running", {})
    yield install
    WarmRenderer.close_all()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="warm renderers need fork")
def test_a_reply_to_another_request_is_not_taken(fake_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_server(ANSWERS_ANOTHER_REQUEST)
    warm = WarmRenderer.for_python(sys.executable)
    assert warm is not None
    assert warm.run([sys.executable, "render_baseline.py", "{}"], tmp_path, {}, []) is None  # a fresh interpreter runs it
    assert warm.broken
    assert WarmRenderer.for_python(sys.executable) is not warm


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers fork")
def test_workers_forked_after_sharing_ask_the_same_renderer(fake_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_server(ECHOES)
    WarmRenderer.share(sys.executable)
    shared = WarmRenderer._running[sys.executable]
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        answers = pool.map(_ask_from_worker, [str(tmp_path / f"service_{i}") for i in range(6)])
    for index, (pid, same, stdout) in enumerate(answers):
        assert pid != os.getpid() and same
        assert stdout == str(tmp_path / f"service_{index}")  # each worker got its own answer
    assert shared.process.poll() is None  # still serving: its owner ends it


def _ask_from_worker(folder: str) -> tuple[int, bool, str]:
    warm = WarmRenderer.for_python(sys.executable)
    assert warm is not None
    completed = warm.run([sys.executable, "render_baseline.py", "{}"], Path(folder), {}, [])
    assert completed is not None
    return os.getpid(), warm.turns is not None and warm.pid != os.getpid(), completed.stdout


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="warm renderers need fork")
def test_the_renderer_started_before_reading_stops_when_no_project_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fixit_codemods.engine import Engine
    from fixit_codemods.registry import select

    monkeypatch.setattr(WarmRenderer, "_running", {})
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "app.py").write_text("def main():\n    return 1\n")
    started: list[WarmRenderer] = []
    share = WarmRenderer.share.__func__  # type: ignore[attr-defined]

    def recording_share(cls: type[WarmRenderer], python: str) -> None:
        share(cls, python)
        started.extend(cls._running.values())

    monkeypatch.setattr(WarmRenderer, "share", classmethod(recording_share))
    Engine(select("alembic", {}), jobs=1).run([tmp_path])
    assert started, "started before the files were read"
    assert started[0].process.poll() is not None  # no create_all anywhere: ended, not kept
    assert sys.executable not in WarmRenderer._running


def test_the_warm_up_render_leaves_no_model_behind() -> None:
    """The throwaway model rendered after the preload is gone before any child forks: no mapper
    registry of it is left for a project's mapper configuration to meet."""
    import subprocess

    pytest.importorskip("sqlalchemy")
    pytest.importorskip("alembic")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import render_baseline as rb; rb.warm_up()\n"
        "from sqlalchemy.orm import mapperlib; print(len(mapperlib._mapper_registries))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(baseline.SCRIPT.parent)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0"
