"""The `fixit` console script: answers `--version` before importing anything heavy (the CLI,
LibCST, GitPython: ~0.4 s), then hands over to `fixit_codemods.cli.main`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from fixit_codemods import __version__

        # as `fixit_codemods.cli.main._version` prints it: "(fixit-codemods)" tells it apart from Meta's Fixit
        sys.stdout.write(f"fixit {__version__} (fixit-codemods)\n")
        return
    from fixit_codemods.cli.main import main as run

    run()


if __name__ == "__main__":
    main()
