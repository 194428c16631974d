"""Run `render_baseline.py` in a subprocess: the project's models are imported there, never in
fixit's own process (importing application code has side effects, and may need another
interpreter's packages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from codemods.transforms.alembic_support.scaffold import baseline_revision
from codemods.transforms.alembic_support.schema import MetadataTarget

SCRIPT = Path(__file__).with_name("render_baseline.py")
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Baseline:
    filename: str = ""
    text: str = ""
    error: str = ""  # why no baseline could be rendered
    skipped_schemas: tuple[str, ...] = ()  # tables in these schemas are not in the baseline


def project_interpreters(explicit: str, root: Path) -> list[str]:
    """Interpreters that may import the project's models, most specific first: the one the user
    named, the project's own virtual environment (`.venv`, `venv`), the active one ($VIRTUAL_ENV),
    then fixit's own (fixit may run from pipx, pre-commit or the GitHub Action, beside the project)."""
    if explicit:
        return [explicit]
    found: list[str] = []
    folders = [root / ".venv", root / "venv"]
    if os.environ.get("VIRTUAL_ENV"):
        folders.append(Path(os.environ["VIRTUAL_ENV"]))
    for folder in folders:
        for python in (folder / "bin" / "python", folder / "Scripts" / "python.exe"):
            if python.is_file() and os.access(python, os.X_OK):
                found.append(str(python))
                break
    found.append(sys.executable)
    return list(dict.fromkeys(found))


def render_baseline(
    python: str, root: Path, sys_path: Sequence[str], targets: Sequence[MetadataTarget], engine: str | None
) -> Baseline:
    """The baseline for `targets`; `engine` (qualified name) gives the dialect to render for."""
    modules = sorted({m for t in targets for m in (t.module, *t.model_modules)})
    request = {
        "sys_path": list(sys_path),
        "modules": modules,
        "metadata": [[t.module, t.expression] for t in targets],
        "engine": list(engine.rpartition(".")[::2]) if engine and "." in engine else None,
    }
    python_path = [*sys_path, *filter(None, [os.environ.get("PYTHONPATH")])]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(python_path)}
    try:
        completed = subprocess.run(
            [python, str(SCRIPT), json.dumps(request)],
            check=False,  # the answer, errors included, is on stdout
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Baseline(error=f"could not run {python}: {error}")
    answer = _last_json_line(completed.stdout)
    if answer is None:
        detail = (completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"])[-1]
        return Baseline(error=f"the model import process failed: {detail}")
    if "error" in answer:
        return Baseline(error=answer["error"])
    filename, text = baseline_revision(answer["upgrades"], answer["downgrades"], answer["imports"])
    return Baseline(filename, text, skipped_schemas=tuple(answer["skipped_schemas"]))


def _last_json_line(output: str) -> dict | None:
    for line in reversed(output.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None
