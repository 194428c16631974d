"""Time `fixit apply all --dry-run` on a large tree beside ruff and a plain LibCST parse.

    python benchmarks/bench.py [TREE | --backends N] [--repeat N] [--jobs N] [--output FILE]

With --backends N, the corpus is N copies of the bundled example backend: the worst case, where
every file has something to fix. Without either, the corpus is a copy of this interpreter's site-packages (real third-party code,
hundreds of thousands of lines), copied under $TMPDIR/fixit-bench/corpus so that no tool excludes it
for being named site-packages. Each tool runs N times; the best wall time is reported.

Compared on the same files:
- read: reading every .py file's bytes (the floor for any tool);
- ruff: `ruff check --select ALL --no-cache --exit-zero` and with its default rules (ruff's own parallelism);
- libcst parse: `libcst.parse_module` of every file, over the same number of processes fixit uses;
- fixit: `fixit apply all TREE --dry-run --quiet` (the whole CLI: discovery, prefilter, all transforms).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
# Outside any git checkout: fixit honours .gitignore, and a corpus inside this repository would be ignored.
CACHE = Path(tempfile.gettempdir()) / "fixit-bench"


def python_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*.py") if p.is_file() and not p.is_symlink())


def default_corpus() -> Path:
    corpus = CACHE / "corpus"
    if not corpus.exists():
        source = Path(sysconfig.get_paths()["purelib"])
        print(f"copying {source} to {corpus} (once)", file=sys.stderr)
        shutil.copytree(source, corpus, ignore=shutil.ignore_patterns("*.so", "*.pyc", "__pycache__"))
    return corpus


def backends_corpus(copies: int) -> Path:
    """`copies` copies of the bundled example backend: every file a candidate, the worst case."""
    corpus = CACHE / f"backends-{copies}"
    if not corpus.exists():
        example = HERE.parent / "examples" / "backend"
        for number in range(copies):
            shutil.copytree(example, corpus / f"service_{number:03d}",
                            ignore=shutil.ignore_patterns("__pycache__", "*.db", "alembic*"))
    return corpus


def best_of(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def read_all(files: list[Path]) -> None:
    for path in files:
        path.read_bytes()


def _parse(path: Path) -> bool:
    import libcst

    try:
        libcst.parse_module(path.read_bytes())
        return True
    except Exception:  # noqa: BLE001 - unparseable files count as parsed for timing purposes
        return False


def libcst_parse_all(files: list[Path], jobs: int) -> None:
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_parse, files, chunksize=16)


def run_command(command: list[str]) -> None:
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def fixit_summary(command: list[str]) -> str:
    """fixit's own summary line, to show (and check) what the timed runs did."""
    quiet = [part for part in command if part != "--quiet"]
    completed = subprocess.run(quiet, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    return next((line for line in completed.stderr.splitlines() if line.startswith("fixit:")), completed.stderr)


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-libcst", action="store_true", help="skip the slow parse-everything run")
    parser.add_argument("--output", type=Path, help="also write the Markdown table here")
    parser.add_argument("--backends", type=int, metavar="N",
                        help="instead of TREE, N copies of examples/backend (every file has something to fix)")
    args = parser.parse_args()
    tree = (args.tree or (backends_corpus(args.backends) if args.backends else default_corpus())).resolve()
    files = python_files(tree)
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    print(f"corpus: {tree}: {len(files)} files, {lines:,} lines, {args.jobs} jobs", file=sys.stderr)

    rows: list[tuple[str, float]] = []
    rows.append(("read every file", best_of(args.repeat, lambda: read_all(files))))
    ruff = [tool("ruff"), "check", "--no-cache", "--exit-zero", "--quiet", str(tree)]
    rows.append(("ruff check --select ALL", best_of(args.repeat, lambda: run_command([*ruff, "--select", "ALL"]))))
    rows.append(("ruff check (default rules)", best_of(args.repeat, lambda: run_command(ruff))))
    fixit = [tool("fixit"), "apply", "all", str(tree), "--dry-run", "--quiet", "--jobs", str(args.jobs)]
    summary = fixit_summary(fixit)
    if f"{len(files)} files scanned" not in summary:
        print(f"warning: fixit did not scan every file: {summary}", file=sys.stderr)
    rows.append(("fixit apply all --dry-run", best_of(args.repeat, lambda: run_command(fixit))))
    if not args.skip_libcst:
        rows.append(("libcst.parse_module of every file", best_of(1, lambda: libcst_parse_all(files, args.jobs))))

    ruff_time = rows[1][1]
    table = [
        f"Corpus: {len(files):,} files, {lines:,} lines; {args.jobs} processes; best of {args.repeat} "
        "(the LibCST parse: one run).",
        "",
        "| run | seconds | vs ruff |",
        "| --- | ---: | ---: |",
    ]
    table += [f"| {name} | {seconds:.2f} | {seconds / ruff_time:.1f}x |" for name, seconds in rows]
    table += ["", f"`{summary}`"]
    text = "\n".join(table) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
