"""`fixit batch`: one remediation across many repositories.

- `manifest` reads and validates the list of repositories (text or TOML), with line numbers;
- `runner` does one repository's work — clone or fetch into the workspace, check out the ref,
  run the transforms and commit a branch through `fixit_codemods.gitops`, push — and never raises;
- `executors` run that work on a local process pool or a Dask cluster;
- `ledger` records every repository's state in SQLite in the workspace, for `--resume` and
  `fixit batch status`;
- `report` turns results into the JSON report and the status table.
"""

# where clones and the ledger live unless `--workspace` says otherwise (here, not in `runner`, so that
# the CLI can show it without importing GitPython)
DEFAULT_WORKSPACE = ".fixit-batch"
