"""`python -m fixit_codemods …`: the `fixit` command, for when another tool's `fixit` comes first on PATH."""

from fixit_codemods.cli.entry import main

main()
