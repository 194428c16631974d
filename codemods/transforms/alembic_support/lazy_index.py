"""A project index that reads a module only when a name lookup reaches it.

Resolving a name follows imports and re-exports from the module that uses it, so the modules a
plan reads are exactly those reachable from its `create_all` sites, schema definitions and
callers — not the whole tree (a vendored library, a site-packages copy, a monorepo's other apps).
"""

from __future__ import annotations

from typing import Any

from codemods.index import ModuleFacts, ProjectIndex
from codemods.project import Project


class ModulesOnDemand(dict):  # type: ignore[type-arg]
    """module name -> ModuleFacts, filled from the project the first time a lookup asks for it.

    Modules are read through `Project.index`, so their facts are cached for other transforms and
    a module that does not parse is reported as a failure (and then treated as unknown)."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self._project = project
        self._absent: set[str] = set()

    def _load(self, module: str) -> ModuleFacts | None:
        if module in self._absent:
            return None
        source = self._project.find_module(module) if module else None
        facts = self._project.index([source]).modules.get(module) if source else None
        if facts is None:
            self._absent.add(module)
        else:
            self[module] = facts
        return facts

    def __contains__(self, module: object) -> bool:
        return super().__contains__(module) or (isinstance(module, str) and self._load(module) is not None)

    def __missing__(self, module: str) -> ModuleFacts:
        facts = self._load(module)
        if facts is None:
            raise KeyError(module)
        return facts

    def get(self, module: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[module]
        except KeyError:
            return default

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))  # a worker gets what was read, without the project


def on_demand_index(project: Project) -> ProjectIndex:
    index = ProjectIndex(())
    index.modules = ModulesOnDemand(project)
    return index
