"""`timeouts` beyond the golden cases: options, the cheap pre-checks, import placement, its example."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from fixit_codemods.api import ConfigError
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceFile
from fixit_codemods.transforms.timeouts import TimeoutsTransform, add_stdlib_import


def _source(text: str, relpath: str = "app/llm.py") -> SourceFile:
    module = relpath.removesuffix(".py").replace("/", ".")
    return SourceFile(Path("/project") / relpath, relpath, module, False, text.encode())


@pytest.mark.parametrize(
    "options",
    [
        {"style": "deadline"},
        {"timeout": "settings."},
        {"timeout_import": "app.config:settings"},  # an import without an expression to use it
        {"timeout": "config.LIMIT", "timeout_import": "app.config:settings"},  # binds a name not used
        {"timeout_import": "app config", "timeout": "x"},
        {"patterns": "generate"},  # not qualified
        {"default_seconds": "soon"},
        {"deadline": 3},
    ],
)
def test_bad_options_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        TimeoutsTransform(options)


def test_options_from_the_command_line_are_parsed() -> None:
    transform = TimeoutsTransform(
        {"patterns": "a.Client.generate, b.ask", "default_seconds": "30", "line_length": "100"}
    )
    assert transform.patterns == {"a.Client.generate", "b.ask"}
    assert transform.settings["default_seconds"] == 30.0
    assert transform.settings["line_length"] == 100


def _planned_rewrite(transform: TimeoutsTransform, source: SourceFile) -> object:
    """`rewrite` after `plan`, as the engine runs them, on a project of that one file."""
    transform.plan(Project(Path("/project"), [source], jobs=1))
    return transform.rewrite(source)


def test_example_in_explain_is_what_the_transform_does() -> None:
    transform = TimeoutsTransform()
    rewrite = _planned_rewrite(transform, _source(transform.example_before))
    assert rewrite is not None and rewrite.text == transform.example_after


def test_file_without_llm_call_names_is_not_parsed_with_libcst() -> None:
    source = _source('"""Mentions openai in prose only."""\n\nasync def f(x):\n    return await x.fetch()\n')
    assert _planned_rewrite(TimeoutsTransform(), source) is None
    assert "cst" not in source.__dict__  # the cached LibCST tree was never built


def test_candidates_are_files_that_may_call_an_llm() -> None:
    ask = "async def ask(text):\n    return await llm_client.responses.create(input=text)\n"
    files = [
        _source("from openai import AsyncOpenAI\n\nllm_client = AsyncOpenAI()\n", "app/clients.py"),
        _source(f"from app.clients import llm_client\n\n\n{ask}", "app/service.py"),
        _source('"""Settings: OPENAI_API_KEY comes from openai\'s dashboard."""\n', "app/settings.py"),
        _source("def slug(text):\n    return text.lower()\n", "app/utils.py"),
        _source("async def f(c):\n    return await c.generate()\n", "app/custom.py"),
    ]
    project = Project(Path("/project"), files, jobs=1)
    transform = TimeoutsTransform({"patterns": ["mycorp.llm.Client.generate"]})
    transform.plan(project)
    # with the spelling of code run from inside app/ (`from clients import llm_client`)
    assert set(transform.imported_clients) == {"app.clients.llm_client", "clients.llm_client"}
    chosen = [source.relpath for source in transform.candidates(project)]
    # clients.py only builds the client: it calls nothing an LLM call could be named
    assert chosen == ["app/custom.py", "app/service.py"]


@pytest.mark.parametrize(
    "before, after",
    [
        ("import json\nimport os\n", "import asyncio\nimport json\nimport os\n"),
        ("import abc\nimport os\n", "import abc\nimport asyncio\nimport os\n"),
        ("import abc\nfrom os import path\n", "import abc\nimport asyncio\nfrom os import path\n"),
        (
            "from typing import Any\n\nimport httpx\n",
            "import asyncio\nfrom typing import Any\n\nimport httpx\n",
        ),
        ("import httpx\n", "import asyncio\n\nimport httpx\n"),
        ('"""Doc."""\n\nx = 1\n', '"""Doc."""\n\nimport asyncio\n\nx = 1\n'),
        (
            "from __future__ import annotations\n\nimport httpx\n",
            "from __future__ import annotations\n\nimport asyncio\n\nimport httpx\n",
        ),
    ],
)
def test_asyncio_import_goes_where_isort_puts_it(before: str, after: str) -> None:
    assert add_stdlib_import(cst.parse_module(before), "asyncio").code == after
