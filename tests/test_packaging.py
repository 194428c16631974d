"""Installed, fixit is one import package under a name of its own (`fixit_codemods`), though the
repository keeps `codemods/` and `cli/` at its top level: another distribution that ships a top-level
`cli` package (there are several) neither hides it nor, when uninstalled, deletes any of it.

A real wheel is built from the repository's files and installed with pip into a fresh virtual
environment beside such a distribution; the command is then run as a user runs it."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE", "codemods", "cli")


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def build_our_wheel(tmp_path: Path) -> Path:
    """`pip wheel` on a copy of the sources (an in-tree build would leave `build/` in the checkout)."""
    pytest.importorskip("setuptools", minversion="77", reason="the test group installs setuptools")
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        origin = REPOSITORY / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "dist"), str(source))
    (wheel,) = (tmp_path / "dist").glob("fixit_codemods-*.whl")
    return wheel


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_other_cli_wheel(tmp_path: Path) -> Path:
    """A minimal, valid wheel of another project whose import package is a top-level `cli`."""
    files = {
        "cli/__init__.py": b"WHO = 'other-cli'\n",
        "other_cli-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: other-cli\nVersion: 1.0\n",
        "other_cli-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: fixit-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [record_line(name, data) for name, data in files.items()] + ["other_cli-1.0.dist-info/RECORD,,"]
    wheel = tmp_path / "other_cli-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("other_cli-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return wheel


def fresh_environment(tmp_path: Path) -> Path:
    """A new venv whose own site-packages comes first; fixit's dependencies (LibCST, typer, …) are
    reached through a `.pth` line naming this interpreter's site-packages, after it."""
    environment = tmp_path / "env"
    venv.create(environment, with_pip=False)
    python = environment / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(site_packages, "outer_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.skipif(sys.platform == "win32", reason="paths of a POSIX venv")
def test_fixit_keeps_working_beside_and_after_another_distribution_shipping_a_top_level_cli(tmp_path: Path) -> None:
    our_wheel = build_our_wheel(tmp_path)
    with zipfile.ZipFile(our_wheel) as archive:
        top_level = {name.split("/")[0] for name in archive.namelist() if not name.split("/")[0].endswith(".dist-info")}
        shipped = set(archive.namelist())
    assert top_level == {"fixit_codemods"}  # no generic `cli` or `codemods` is installed
    assert {"fixit_codemods/schemas/report-v1.json", "fixit_codemods/schemas/batch-report-v1.json"} <= shipped

    python = fresh_environment(tmp_path)
    fixit = python.parent / "fixit"
    project = tmp_path / "project"
    project.mkdir()
    (project / "tasks.py").write_text(
        "async def get_db():\n"
        "    session = object()\n"
        "    try:\n"
        "        yield session\n"
        "    finally:\n"
        "        pass\n"
        "\n\n"
        "async def run() -> None:\n"
        "    db = await anext(get_db())\n"
        "    print(db)\n"
    )

    def works() -> None:
        version = run(fixit, "--version", cwd=project)
        assert version.returncode == 0 and "(fixit-codemods)" in version.stdout, version.stderr
        module = run(python, "-m", "fixit_codemods", "apply", "async-with", ".", "--dry-run", "-j", "1", cwd=project)
        assert module.returncode == 0, module.stderr
        assert "+    async with get_db() as db:" in module.stdout

    pip("--python", str(python), "install", "--no-deps", "--no-index", str(our_wheel))
    works()
    pip("--python", str(python), "install", "--no-deps", "--no-index", str(build_other_cli_wheel(tmp_path)))
    works()
    assert run(python, "-c", "import cli; print(cli.WHO)", cwd=project).stdout.strip() == "other-cli"
    pip("--python", str(python), "uninstall", "-y", "other-cli")
    works()
    assert run(python, "-c", "import cli", cwd=project).returncode != 0  # gone, and only it
