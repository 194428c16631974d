"""`python -m codemods …`: the `fixit` command, for when another tool's `fixit` comes first on PATH."""

from cli.entry import main

main()
