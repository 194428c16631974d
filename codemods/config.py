"""Options from `[tool.fixit-codemods]` in the nearest `pyproject.toml` and from `--option`.

    [tool.fixit-codemods]
    exclude = ["migrations/*"]

    [tool.fixit-codemods.timeouts]
    timeout = "settings.LLM_TIMEOUT_SECONDS"

Command-line options override the file. Mistakes raise `ConfigError` (exit code 2).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from fixit_codemods.api import ConfigError
from fixit_codemods.discovery import Patterns

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SECTION = "fixit-codemods"
RUN_KEYS = {"include", "exclude", "jobs"}


@dataclass
class Settings:
    transform_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    jobs: int | None = None
    source: Path | None = None  # the pyproject.toml the settings came from

    def patterns(self, globs: list[str]) -> list[Patterns]:
        """The file's globs, relative to the folder of the pyproject.toml that holds them."""
        return [Patterns.of(self.source.parent, globs)] if globs and self.source is not None else []


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error


def find_pyproject(start: Path) -> Path | None:
    current = start if start.is_dir() else start.parent
    for candidate in (current, *current.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate / "pyproject.toml"
    return None


def _string_list(value: Any, key: str, where: Path) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ConfigError(f"{where}: [tool.{SECTION}] {key} must be a string or a list of strings")


def settings_from_pyproject(start: Path) -> Settings:
    path = find_pyproject(start)
    if path is None:
        return Settings()
    section = load_toml(path).get("tool", {}).get(SECTION, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.{SECTION}] must be a table")
    settings = Settings(source=path)
    for key, value in section.items():
        if isinstance(value, dict):
            settings.transform_options[key] = dict(value)
        elif key == "include":
            settings.include = _string_list(value, key, path)
        elif key == "exclude":
            settings.exclude = _string_list(value, key, path)
        elif key == "jobs":
            if not isinstance(value, int) or value < 0:
                raise ConfigError(f"{path}: [tool.{SECTION}] jobs must be a non-negative integer")
            settings.jobs = value
        else:
            raise ConfigError(
                f"{path}: unknown key `{key}` in [tool.{SECTION}] "
                f"(expected {', '.join(sorted(RUN_KEYS))} or a [tool.{SECTION}.<transform>] table)"
            )
    return settings


def parse_cli_options(raw: Iterable[str]) -> dict[str, dict[str, str]]:
    """`NAME.KEY=VALUE` strings into {name: {key: value}}."""
    parsed: dict[str, dict[str, str]] = {}
    for item in raw:
        name_key, equals, value = item.partition("=")
        # the key is after the last dot: names of external codemods contain dots themselves
        name, dot, key = name_key.rpartition(".")
        if not equals or not dot or not name.strip() or not key.strip():
            raise ConfigError(f"--option `{item}`: expected NAME.KEY=VALUE (e.g. timeouts.timeout=30)")
        parsed.setdefault(name.strip(), {})[key.strip()] = value
    return parsed


def merge_options(
    file_options: dict[str, dict[str, Any]], cli_options: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    merged = {name: dict(values) for name, values in file_options.items()}
    for name, values in cli_options.items():
        merged.setdefault(name, {}).update(values)
    return merged
