"""Time `fixit apply all --dry-run` beside ruff and a plain LibCST parse, on every kind of tree, in one run.

    python benchmarks/bench.py [--clean TREE] [--backends N] [--real PATH] [--repeat N] [--jobs N]
                               [--skip-libcst] [--output FILE]

Rows (each tool on the same files, in the same run, so that ratios are fair on a shared machine):
- clean: a tree where most files have nothing to fix. Default: a copy of this interpreter's
  site-packages (real third-party code), under $TMPDIR/fixit-bench/corpus so that no tool
  excludes it for being named site-packages;
- backends: N copies of the bundled example backend, each its own project: every file has work
  (the worst case; `--backends 0` leaves the row out);
- real: a real backend given with --real PATH (optional: the benchmark needs no network);
- `fixit --version`: the CLI's start.

For each run: wall time (best of --repeat), the CPU time (user + system) of the process and every
process it waited for, and its peak resident memory (the largest of its processes). Tools:
- ruff: `ruff check --select ALL --no-cache --no-fix --exit-zero` (ruff's own threads; never writes);
- libcst parse: `libcst.parse_module` of every file over --jobs processes (one run: it is slow);
- fixit: `fixit apply all TREE --dry-run --quiet --jobs N` (the whole CLI: discovery, prefilter,
  every transform, the alembic baseline).
Targets (issue 17) are checked and shown beside each row.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

HERE = Path(__file__).resolve().parent
# Outside any git checkout: fixit honours .gitignore, and a corpus inside this repository would be ignored.
CACHE = Path(tempfile.gettempdir()) / "fixit-bench"


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # seconds, user + system, the process and the processes it waited for
    rss_mb: float  # peak resident set of the largest process

    def __str__(self) -> str:
        return f"{self.wall:.2f}"


@dataclass
class Row:
    tree: str
    files: int
    lines: int
    fixit: Timing
    ruff: Timing | None
    parse: Timing | None
    summary: str
    target: str  # what issue 17 asks of this row
    met: bool | None


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


def measure(command: Sequence[str]) -> Timing:
    """One run of `command`: wall time, and from wait4 its CPU time and peak memory."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best_of(repeat: int, command: Sequence[str]) -> Timing:
    """The fastest of `repeat` runs (the least disturbed by other work), with the highest peak memory."""
    runs = [measure(command) for _ in range(max(repeat, 1))]
    best = min(runs, key=lambda run: run.wall)
    return Timing(best.wall, best.cpu, max(run.rss_mb for run in runs))


def _parse(path: Path) -> bool:
    import libcst

    try:
        libcst.parse_module(path.read_bytes())
        return True
    except Exception:  # noqa: BLE001 - unparseable files count as parsed for timing purposes
        return False


def libcst_parse_all(tree: Path, jobs: int) -> None:
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_parse, python_files(tree), chunksize=16)


def fixit_summary(command: list[str]) -> str:
    """fixit's own summary line, to show (and check) what the timed runs did."""
    quiet = [part for part in command if part != "--quiet"]
    completed = subprocess.run(quiet, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    return next((line for line in completed.stderr.splitlines() if line.startswith("fixit:")), completed.stderr)


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def measure_tree(
    label: str, tree: Path, args: argparse.Namespace, target: str, met: Callable[[Row], bool]
) -> Row:
    files = python_files(tree)
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    print(f"{label}: {tree}: {len(files)} files, {lines:,} lines", file=sys.stderr)
    fixit = [tool("fixit"), "apply", "all", str(tree), "--dry-run", "--quiet", "--jobs", str(args.jobs)]
    summary = fixit_summary(fixit)
    # --no-fix: a project whose configuration says `fix = true` would otherwise be rewritten by the benchmark
    ruff = [tool("ruff"), "check", "--select", "ALL", "--no-cache", "--no-fix", "--exit-zero", "--quiet", str(tree)]
    parse = [sys.executable, str(Path(__file__).resolve()), "--parse-only", str(tree), "--jobs", str(args.jobs)]
    row = Row(
        label,
        len(files),
        lines,
        fixit=best_of(args.repeat, fixit),
        ruff=best_of(args.repeat, ruff),
        parse=None if args.skip_libcst else best_of(1, parse),
        summary=summary,
        target=target,
        met=None,
    )
    try:
        row.met = met(row)
    except TypeError:  # a ratio that was not measured (--skip-libcst)
        row.met = None
    return row


def ratio(part: Timing | None, whole: Timing | None) -> float | None:
    return part.wall / whole.wall if part and whole and whole.wall else None


def _ratio_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}x"


def table(rows: list[Row], version: Timing, args: argparse.Namespace) -> str:
    lines = [
        (
            f"{args.jobs} processes; wall seconds, best of {args.repeat} (the LibCST parse: one run); "
            "CPU = user + system seconds of the run and its child processes; RSS = peak resident memory."
        ),
        "",
        (
            "| tree | files | fixit | ruff --select ALL | LibCST parse | fixit / ruff | fixit / parse "
            "| fixit CPU | fixit peak RSS | target | met |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        met = "–" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.tree} | {row.files:,} | {row.fixit} | {row.ruff or '–'} | {row.parse or '–'} "
            f"| {_ratio_text(ratio(row.fixit, row.ruff))} | {_ratio_text(ratio(row.fixit, row.parse))} "
            f"| {row.fixit.cpu:.2f} | {row.fixit.rss_mb:.0f} MB | {row.target} | {met} |"
        )
    version_met = "yes" if version.wall < 0.25 else "**no**"
    lines.append(
        f"| `fixit --version` | – | {version.wall:.3f} | – | – | – | – | {version.cpu:.3f} "
        f"| {version.rss_mb:.0f} MB | < 0.25 s | {version_met} |"
    )
    lines.append("")
    lines += [f"- {row.tree}: `{row.summary}`" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clean", type=Path, metavar="TREE", help="the mostly clean tree (default: site-packages)")
    parser.add_argument("--backends", type=int, default=100, metavar="N",
                        help="N copies of examples/backend, every file with work (0: leave the row out)")
    parser.add_argument("--real", type=Path, metavar="PATH", help="a real backend (read only: a dry run)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-libcst", action="store_true", help="skip the slow parse-everything runs")
    parser.add_argument("--skip-clean", action="store_true", help="leave the clean-tree row out")
    parser.add_argument("--output", type=Path, help="also write the Markdown table here")
    parser.add_argument("--parse-only", type=Path, help=argparse.SUPPRESS)  # the timed LibCST run
    args = parser.parse_args()
    # fixit runs as installed: pip writes its bytecode at install time. An environment that forbids
    # bytecode (PYTHONDONTWRITEBYTECODE, set on some CI machines) would make every timed run of an
    # editable install compile the whole package again (~0.15 s a run): the first run writes it here.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.parse_only:
        libcst_parse_all(args.parse_only, args.jobs)
        return 0

    rows = []
    if not args.skip_clean:
        clean = (args.clean or default_corpus()).resolve()
        rows.append(measure_tree(
            "clean (site-packages)" if args.clean is None else f"clean ({clean.name})", clean, args,
            "≤ 2x ruff, < 0.15x parse",
            lambda row: ratio(row.fixit, row.ruff) <= 2 and ratio(row.fixit, row.parse) < 0.15,  # type: ignore[operator]
        ))
    if args.backends:
        rows.append(measure_tree(
            f"{args.backends} example backends", backends_corpus(args.backends).resolve(), args,
            "≤ 5x parse", lambda row: ratio(row.fixit, row.parse) <= 5,  # type: ignore[operator]
        ))
    if args.real:
        rows.append(measure_tree(
            f"real ({args.real.resolve().name})", args.real.resolve(), args,
            "< 1.5 s", lambda row: row.fixit.wall < 1.5,
        ))
    version = best_of(max(args.repeat, 5), [tool("fixit"), "--version"])
    text = table(rows, version, args)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
