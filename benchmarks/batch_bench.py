"""Repositories per minute for `fixit batch` on small repositories.

    python benchmarks/batch_bench.py [--repos N] [--files N] [--jobs N] [--no-dask] [--output FILE]

Makes N small repositories (FILES Python files each; every other one has an LLM call without a
timeout for the `timeouts` transform to fix) as local bare remotes, then times the whole command —
`fixit batch timeouts MANIFEST --push` — on a cold workspace (every repository cloned) and on a
warm one (clones reused: fetched, `--force` to replace the branches), with the local process pool
at one job and at N jobs, and with Dask (a local cluster, started by the command). Prints a
Markdown table; the times include the command's start (and the Dask cluster's).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LLM_MODULE = """\
from openai import AsyncOpenAI

client = AsyncOpenAI()


async def summarise(text: str) -> str:
    response = await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return response.choices[0].message.content
"""
PLAIN_MODULE = '''\
"""Module {number}: ordinary code the prefilter skips."""

from dataclasses import dataclass


@dataclass
class Record{number}:
    name: str
    count: int = 0

    def bump(self) -> int:
        self.count += 1
        return self.count


def total(records: list[Record{number}]) -> int:
    return sum(record.count for record in records)
'''
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **IDENTITY})


def make_repositories(root: Path, count: int, files: int) -> Path:
    lines = []
    for number in range(count):
        work = root / "work" / f"service{number}"
        for index in range(files):
            path = work / "app" / f"module{index}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(PLAIN_MODULE.format(number=index))
        if number % 2 == 0:
            (work / "app" / "llm.py").write_text(LLM_MODULE)
        git(work, "init", "--quiet", "--initial-branch=main")
        git(work, "add", "--all")
        git(work, "commit", "--quiet", "-m", "initial")
        git(root, "clone", "--quiet", "--bare", str(work), str(root / "remotes" / f"service{number}.git"))
        lines.append(f"remotes/service{number}.git")
    manifest = root / "repos.txt"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def delete_pushed_branches(root: Path) -> None:
    for bare in (root / "remotes").iterdir():
        subprocess.run(["git", "branch", "--quiet", "-D", "fixit/timeouts"], cwd=bare, capture_output=True, check=False)


def timed_batch(root: Path, workspace: Path, extra: list[str]) -> float:
    command = [sys.executable, "-m", "fixit_codemods.cli.main", "batch", "timeouts", "repos.txt", "--push", "--quiet",
               "--workspace", str(workspace), *extra]
    env = {**os.environ, **IDENTITY, "PYTHONPATH": str(ROOT), "CI": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"fixit batch failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=40)
    parser.add_argument("--files", type=int, default=20, help="Python files per repository")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask executor")
    parser.add_argument("--output", type=Path, help="also write the table to FILE")
    options = parser.parse_args()

    configurations = [("local pool", 1, []), ("local pool", options.jobs, [])]
    if not options.no_dask:
        configurations.append(("dask (local cluster)", options.jobs, ["--executor", "dask"]))
    rows = []
    with tempfile.TemporaryDirectory(prefix="fixit-batch-bench-") as folder:
        root = Path(folder)
        make_repositories(root, options.repos, options.files)
        for label, jobs, extra in configurations:
            workspace = root / f"ws-{len(rows)}"
            delete_pushed_branches(root)
            cold = timed_batch(root, workspace, ["--jobs", str(jobs), *extra])
            warm = timed_batch(root, workspace, ["--jobs", str(jobs), "--force", *extra])
            rows.append((label, jobs, cold, warm))
            shutil.rmtree(workspace)

    def per_minute(seconds: float) -> float:
        return options.repos * 60 / seconds

    title = (
        f"Repositories per minute, `fixit batch timeouts --push`, {options.repos} repositories of "
        f"{options.files + 1} files or so (half with an LLM call to fix), {os.cpu_count()} cores:"
    )
    table = [
        title,
        "",
        "| executor | jobs | cold (clone) | warm (fetch) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, jobs, cold, warm in rows:
        table.append(
            f"| {label} | {jobs} | {per_minute(cold):,.0f} /min ({cold:.1f} s) | {per_minute(warm):,.0f} /min ({warm:.1f} s) |"
        )
    text = "\n".join(table)
    print(text)
    if options.output:
        options.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
