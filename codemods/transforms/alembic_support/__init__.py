"""Support for the `alembic` transform: project facts (schema, engines, call graph), the LibCST
site finder and editor, the Alembic scaffold templates and the baseline renderer (a script run in a
subprocess, so that the project's models are imported outside fixit's own process)."""
