"""Check that a change of fixit's internals leaves its output byte for byte the same.

    python benchmarks/identical.py record  --fixit /path/to/reference/fixit --store DIR [--corpus DIR...]
    python benchmarks/identical.py compare --fixit .venv/bin/fixit          --store DIR [--corpus DIR...]

`record` runs a reference install (main's `fixit`) on every target and stores its output in DIR;
`compare` runs another install on the same targets and reports every target whose output differs.
The output compared is `fixit apply NAME PATH --dry-run --output-format json` (every site with its
message, every changed or created file's diff, every failure) plus the exit code.

Targets:
- every golden case's input, with that case's transform and options (copied to a fixed scratch
  folder outside any git checkout, so both installs see the same paths);
- the bundled example backend, with `all`;
- each folder given with --corpus (real repositories, read only: always a dry run), with `all`;
- with --backends N, the benchmark's N copies of the example backend, with `all`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCRATCH = Path(tempfile.gettempdir()) / "fixit-identical"
TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Target:
    key: str  # a file name in the store
    transform: str
    path: Path
    options: tuple[str, ...] = ()


def _toml(path: Path) -> dict[str, object]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads(path.read_text())


def _option_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def golden_targets() -> list[Target]:
    targets = []
    for transform_dir in sorted((REPO / "golden").iterdir()):
        for case in sorted(p for p in transform_dir.iterdir() if p.is_dir()):
            work = SCRATCH / "golden" / transform_dir.name / case.name
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            if (case / "input").is_dir():
                shutil.copytree(case / "input", work, dirs_exist_ok=True)
            elif (case / "input.py").is_file():
                shutil.copy2(case / "input.py", work / "input.py")
            else:
                continue
            options = _toml(case / "options.toml") if (case / "options.toml").is_file() else {}
            flags = tuple(
                part
                for key, value in sorted(options.items())
                for part in ("-o", f"{transform_dir.name}.{key}={_option_value(value)}")
            )
            targets.append(Target(f"golden-{transform_dir.name}-{case.name}", transform_dir.name, work, flags))
    return targets


def example_target() -> Target:
    work = SCRATCH / "example-backend"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(REPO / "examples" / "backend", work,
                    ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return Target("example-backend", "all", work)


def run(fixit: str, target: Target) -> dict[str, object]:
    command = [fixit, "apply", target.transform, str(target.path), "--dry-run", "--output-format", "json",
               *target.options]
    completed = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    return {
        "command": [Path(command[0]).name, *command[1:]],
        "exit": completed.returncode,
        # the interpreter fixit runs on is named in some messages (`tried …/bin/python3`): the
        # two installs compared differ there by construction
        "stdout": completed.stdout.decode("utf-8", "replace").replace(str(Path(fixit).absolute().parent), "<fixit-bin>"),
    }


def targets_for(args: argparse.Namespace) -> list[Target]:
    targets = [*golden_targets(), example_target()]
    for corpus in args.corpus:
        # the whole path: several repositories' roots are named `backend`
        key = "+".join(corpus.resolve().parts[1:])
        targets.append(Target(f"corpus-{key}", "all", corpus.resolve()))
    if args.backends:
        sys.path.insert(0, str(HERE))
        from bench import backends_corpus

        targets.append(Target(f"backends-{args.backends}", "all", backends_corpus(args.backends)))
    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["record", "compare"])
    parser.add_argument("--fixit", required=True, help="the fixit executable to run")
    parser.add_argument("--store", type=Path, required=True, help="where the reference outputs are kept")
    parser.add_argument("--corpus", type=Path, nargs="*", default=[], help="real repositories (read only)")
    parser.add_argument("--backends", type=int, default=0, help="also N copies of the example backend")
    parser.add_argument("--only", default="", help="only targets whose key contains this text")
    args = parser.parse_args()
    args.store.mkdir(parents=True, exist_ok=True)
    differing = []
    targets = [t for t in targets_for(args) if args.only in t.key]
    for target in targets:
        output = run(args.fixit, target)
        stored = args.store / f"{target.key}.json"
        if args.mode == "record":
            stored.write_text(json.dumps(output, indent=1))
            continue
        if not stored.is_file():
            print(f"no reference for {target.key}", file=sys.stderr)
            differing.append(target.key)
            continue
        reference = json.loads(stored.read_text())
        if reference != output:
            differing.append(target.key)
            (args.store / f"{target.key}.actual.json").write_text(json.dumps(output, indent=1))
            print(f"DIFFERS: {target.key}", file=sys.stderr)
    if args.mode == "record":
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(args.store.glob("*.json"))))
        print(f"recorded {len(targets)} targets in {args.store} ({digest.hexdigest()[:12]})")
        return 0
    print(f"{len(targets) - len(differing)}/{len(targets)} targets identical"
          + (f"; differing: {', '.join(differing)}" if differing else ""))
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
