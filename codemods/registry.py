"""Where transforms come from: the built-in modules under `codemods/transforms/` (one module per
transform, named after its CLI name) and plugins registered under the entry-point group
`fixit.transforms`."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Mapping

from fixit_codemods.api import ConfigError, Transform

# The fixed order in which `all` applies them (and in which a branch gets its commits).
BUILTIN_ORDER = ("alembic", "async-with", "timeouts", "database-dep", "typed-exceptions")
ENTRY_POINT_GROUP = "fixit.transforms"


def _module_for(name: str) -> str:
    return f"fixit_codemods.transforms.{name.replace('-', '_')}"


def _transform_class_in(module: Any, name: str) -> type[Transform] | None:
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Transform) and getattr(value, "name", None) == name:
            return value
    return None


def builtin_transforms() -> dict[str, type[Transform]]:
    found: dict[str, type[Transform]] = {}
    for name in BUILTIN_ORDER:
        try:
            module = importlib.import_module(_module_for(name))
        except ModuleNotFoundError as error:
            if error.name == _module_for(name):
                continue  # not shipped in this build
            raise
        cls = _transform_class_in(module, name)
        if cls is not None:
            found[name] = cls
    return found


def plugin_transforms() -> dict[str, type[Transform]]:
    found: dict[str, type[Transform]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = entry.load()
        except Exception as error:  # a broken plugin must not break the built-ins
            raise ConfigError(f"plugin `{entry.name}` ({entry.value}) failed to load: {error}") from error
        if not (isinstance(cls, type) and issubclass(cls, Transform)):
            raise ConfigError(f"plugin `{entry.name}` ({entry.value}) is not a fixit Transform subclass")
        found[getattr(cls, "name", entry.name)] = cls
    return found


def available() -> dict[str, type[Transform]]:
    transforms = builtin_transforms()
    for name, cls in plugin_transforms().items():
        transforms.setdefault(name, cls)
    return transforms


def select(spec: str, options: Mapping[str, Mapping[str, Any]] | None = None) -> list[Transform]:
    """Instances for `name[,name…]` or `all`, built-ins and plugins in the fixed order, then any
    external codemods (`module.path:Class`, `bowler:query.py`) in the order given.
    Unknown names raise ConfigError."""
    from fixit_codemods.adapters import external_transform

    known = available()
    options = options or {}
    names = [part.strip() for part in spec.split(",") if part.strip()]
    if names == ["all"]:
        names = list(known)
    external = [name for name in names if name not in known and ":" in name]
    unknown = [name for name in names if name not in known and name not in external]
    if unknown or not names:
        raise ConfigError(
            f"unknown transform {', '.join(unknown) or repr(spec)}; available: {', '.join(known)}"
        )
    stray = set(options) - set(known) - set(external)
    if stray:
        raise ConfigError(f"options given for unknown transform(s): {', '.join(sorted(stray))}")
    order = list(known)
    builtins = sorted(dict.fromkeys(n for n in names if n in known), key=order.index)
    selected = [known[name](options.get(name, {})) for name in builtins]
    for name in dict.fromkeys(external):
        selected.append(external_transform(name, options.get(name, {})))  # type: ignore[arg-type]
    return selected
