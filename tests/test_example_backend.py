"""The bundled example backend, the target of the README's first command.

It must work before fixit touches it (answers requests as designed, its own tests pass), carry a
defect for every registered transform, and keep working after `fixit apply all`: the same answers
to the same requests, its own tests still passing, output that parses, imports that stay clean, and
a second run that changes nothing. The app runs in subprocesses (it is imported, and each run needs
a fresh database); the LLM SDKs it calls are replaced by deterministic fakes.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fixit_codemods.api import Action
from fixit_codemods.config import merge_options, settings_from_pyproject
from fixit_codemods.engine import Engine, RunResult
from fixit_codemods.registry import available, select
from fixit_codemods.writer import write_changes

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "backend"
LLM_PROVIDERS = ("anthropic", "litellm")

# (method, url, json body, designed status). Each run starts on an empty database, so ids are known.
REQUESTS: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("POST", "/users", {"email": "ada@example.com", "name": "Ada"}, 201),
    ("POST", "/users", {"email": "ada@example.com", "name": "Ada"}, 409),
    ("POST", "/users/1/projects", {"name": "Garden"}, 201),
    ("POST", "/users/1/projects", {"name": "Garden"}, 409),
    ("POST", "/users/99/projects", {"name": "Garden"}, 404),
    ("POST", "/projects/1/items", {"name": "Rake", "price_cents": 1500}, 201),
    ("POST", "/projects/1/items", {"name": "Hoe", "price_cents": 900}, 201),
    ("POST", "/projects/1/items", {"name": "Rake", "price_cents": 700}, 409),
    ("POST", "/projects/1/items", {"name": "Spade", "price_cents": -5}, 400),
    ("POST", "/projects/99/items", {"name": "Rake", "price_cents": 1500}, 404),
    ("GET", "/items/1", None, 200),
    ("GET", "/items/99", None, 404),
    ("GET", "/projects/1/items?limit=1", None, 200),
    ("GET", "/projects/99/items", None, 404),
    ("GET", "/projects/99", None, 404),
    ("POST", "/projects/1/enrich", None, 202),  # the background job runs before TestClient returns
    ("GET", "/projects/1", None, 200),
    ("GET", "/projects/1/items", None, 200),
    ("DELETE", "/items/2", None, 204),
    ("DELETE", "/items/2", None, 404),
    ("GET", "/openapi.json", None, 200),
]

REQUEST_RUNNER = """
import json, sys
from fastapi.testclient import TestClient
from app.main import app

answers = []
with TestClient(app) as client:
    for method, url, body in json.loads(sys.argv[1]):
        response = client.request(method, url, json=body)
        answers.append([response.status_code, response.json() if response.content else None])
print(json.dumps(answers))
"""

# Stand-ins for the LLM SDKs: answers derived from the prompt, so a test can tell who answered what.
FAKE_SDKS = {
    "openai.py": """
from types import SimpleNamespace


class AsyncOpenAI:
    def __init__(self, **kwargs):
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    async def _create(self, *, model, messages, **kwargs):
        text = f"{messages[-1]['content']}, as described by {model}"
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=text))])
""",
    "anthropic.py": """
from types import SimpleNamespace


class AsyncAnthropic:
    def __init__(self, **kwargs):
        self.messages = SimpleNamespace(create=self._create)

    async def _create(self, *, model, max_tokens, messages, **kwargs):
        lines = messages[-1]["content"].splitlines()[1:]
        return SimpleNamespace(content=[SimpleNamespace(text=f"anthropic: {' / '.join(lines)}")])
""",
    "litellm.py": """
from types import SimpleNamespace


async def acompletion(*, model, messages, **kwargs):
    lines = messages[-1]["content"].splitlines()[1:]
    text = f"litellm: {' / '.join(lines)}"
    return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=text))])
""",
}

Answers = dict[str, list[list[Any]]]  # LLM provider -> [status, body] per request


def copy_example(destination: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ruff_cache", "*.db")
    shutil.copytree(EXAMPLE, destination, ignore=ignore)
    return destination


def clean_environment(**extra: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "PYTHON"))
    }
    environment.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return environment


def run_python(project: Path, arguments: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=project,
        env=clean_environment(**environment),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def answer_requests(project: Path, scratch: Path) -> Answers:
    """Each provider's answers to REQUESTS, from a fresh process on a fresh database."""
    fakes = scratch / "fake-sdks"
    fakes.mkdir(exist_ok=True)
    for filename, text in FAKE_SDKS.items():
        (fakes / filename).write_text(text, encoding="utf-8")
    requests = json.dumps([[method, url, body] for method, url, body, _ in REQUESTS])
    answers: Answers = {}
    for provider in LLM_PROVIDERS:
        database = scratch / f"{provider}.db"
        database.unlink(missing_ok=True)
        finished = run_python(
            project,
            ["-c", REQUEST_RUNNER, requests],
            DATABASE_URL=f"sqlite+aiosqlite:///{database}",
            LLM_PROVIDER=provider,
            PYTHONPATH=str(fakes),
        )
        assert finished.returncode == 0, finished.stderr
        answers[provider] = json.loads(finished.stdout.strip().splitlines()[-1])
    return answers


def run_own_tests(project: Path) -> subprocess.CompletedProcess[str]:
    return run_python(project, ["-m", "pytest", "-q", "-p", "no:cacheprovider"])


def unused_or_undefined_names(project: Path) -> str:
    """ruff's findings for imports left unused, redefined or missing; empty when clean."""
    finished = run_python(project, ["-m", "ruff", "check", "--isolated", "--select", "F401,F811,F821", "."])
    return "" if finished.returncode == 0 else finished.stdout + finished.stderr


def run_all(project: Path) -> RunResult:
    """`fixit apply all PROJECT --dry-run` through the real engine, with the project's pyproject.toml options."""
    registered = available()
    file_options = settings_from_pyproject(project).transform_options
    options = merge_options({name: values for name, values in file_options.items() if name in registered}, {})
    return Engine(select("all", options), jobs=1).run([project])


def body_of(answers: list[list[Any]], method: str, url: str) -> Any:
    """The body of the last answer to `method url`."""
    position = max(i for i, (m, u, *_) in enumerate(REQUESTS) if (m, u) == (method, url))
    return answers[position][1]


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("original") / "backend")


@pytest.fixture(scope="module")
def answers_before(original: Path, tmp_path_factory: pytest.TempPathFactory) -> Answers:
    return answer_requests(original, tmp_path_factory.mktemp("before"))


@pytest.fixture(scope="module")
def transformed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunResult]:
    if not available():
        pytest.skip("no transform is registered yet")
    project = copy_example(tmp_path_factory.mktemp("transformed") / "backend")
    run = run_all(project)
    write_changes(run.changes().values())
    return project, run


def test_example_answers_as_designed(answers_before: Answers) -> None:
    designed = [status for *_, status in REQUESTS]
    described = ["Rake, as described by gpt-4o-mini", "Hoe, as described by gpt-4o-mini"]
    for provider, answers in answers_before.items():
        assert [status for status, _ in answers] == designed, provider
        # the background job described the items, summarised the project and committed
        assert [item["description"] for item in body_of(answers, "GET", "/projects/1/items")] == described
        assert body_of(answers, "GET", "/projects/1")["summary"] == f"{provider}: {' / '.join(described)}"


def test_example_own_tests_pass(original: Path) -> None:
    finished = run_own_tests(original)
    assert finished.returncode == 0, finished.stdout + finished.stderr


def test_example_imports_are_clean(original: Path) -> None:
    assert unused_or_undefined_names(original) == ""


def test_every_transform_repairs_something(transformed: tuple[Path, RunResult]) -> None:
    _, run = transformed
    assert run.all_failures == []
    assert run.changes()
    for result in run.transforms:
        assert result.count(Action.CHANGED) > 0, f"{result.name} found nothing to repair in the example"


def test_transformed_example_parses_and_is_stable(transformed: tuple[Path, RunResult]) -> None:
    project, _ = transformed
    for path in sorted(project.rglob("*.py")):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    second = run_all(project)
    assert second.all_failures == []
    assert list(second.changes()) == []


def test_transformed_example_answers_the_same(
    transformed: tuple[Path, RunResult], answers_before: Answers, tmp_path: Path
) -> None:
    project, _ = transformed
    assert answer_requests(project, tmp_path) == answers_before


def test_transformed_example_own_tests_pass(transformed: tuple[Path, RunResult]) -> None:
    project, _ = transformed
    finished = run_own_tests(project)
    assert finished.returncode == 0, finished.stdout + finished.stderr


def test_transformed_example_imports_are_clean(transformed: tuple[Path, RunResult]) -> None:
    project, _ = transformed
    assert unused_or_undefined_names(project) == ""
