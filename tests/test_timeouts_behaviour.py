"""`timeouts` on a running program: an LLM call that hangs keeps hanging before the transform and
raises TimeoutError after it; a call that answers returns the same answer before and after.

The LLM is a fake `openai` package (first on sys.path) whose `AsyncOpenAI().chat.completions.create`
sleeps for an hour when asked for the "slow" model. Each run happens in a subprocess whose own
watchdog reports "still running" when the call has not finished well after the bound.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.timeouts import TimeoutsTransform
from fixit_codemods.writer import write_changes

FAKE_OPENAI = """
import asyncio
from types import SimpleNamespace


class _Completions:
    async def create(self, *, model, messages, **options):
        if model == "slow":
            await asyncio.sleep(3600)
        text = "echo: " + messages[-1]["content"]
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=text))])


class AsyncOpenAI:
    def __init__(self, **options):
        self.chat = SimpleNamespace(completions=_Completions())
"""

CONFIG = """
class Settings:
    LLM_TIMEOUT_SECONDS = 0.05


settings = Settings()
"""

SERVICE = '''
"""Asks the model; no time limit anywhere."""

import asyncio

from openai import AsyncOpenAI


class Assistant:
    def __init__(self) -> None:
        self.client = AsyncOpenAI()

    async def ask(self, model: str, question: str) -> str:
        response = await self.client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": question}],
        )
        return response.choices[0].message.content

    async def ask_twice(self, model: str, question: str) -> str:
        first, second = await asyncio.gather(
            self.client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}]),
            self.client.chat.completions.create(model="fast", messages=[{"role": "user", "content": question}]),
        )
        return first.choices[0].message.content + " / " + second.choices[0].message.content
'''

# The watchdog: far longer than the bound (0.05 s), so "still running" means "not bounded".
RUNNER = """
import asyncio
import sys

from app.service import Assistant

WATCHDOG_SECONDS = 2.0


async def main(method: str, model: str) -> None:
    task = asyncio.ensure_future(getattr(Assistant(), method)(model, "hi"))
    done, _ = await asyncio.wait({task}, timeout=WATCHDOG_SECONDS)
    if not done:
        print("still running")
        task.cancel()
        return
    try:
        print("returned", task.result())
    except asyncio.TimeoutError:
        print("raised TimeoutError")


asyncio.run(main(sys.argv[1], sys.argv[2]))
"""

OPTIONS = {"timeout": "settings.LLM_TIMEOUT_SECONDS", "timeout_import": "app.config:settings"}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def program(tmp_path: Path) -> Path:
    _write(tmp_path / "fakes" / "openai" / "__init__.py", FAKE_OPENAI)
    project = tmp_path / "project"
    _write(project / "app" / "__init__.py", "")
    _write(project / "app" / "config.py", CONFIG)
    _write(project / "app" / "service.py", SERVICE)
    _write(project / "run.py", RUNNER)
    return tmp_path


def _run(program: Path, method: str, model: str) -> str:
    """What the program reports; the subprocess timeout is only a safety net against a broken test."""
    search_path = f"{program / 'fakes'}:{program / 'project'}"
    completed = subprocess.run(
        [sys.executable, "run.py", method, model],
        check=False,
        cwd=program / "project",
        env={"PYTHONPATH": search_path, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def _apply(program: Path, options: dict[str, str]) -> int:
    result = Engine([TimeoutsTransform(options)], jobs=1).run([program / "project"])
    assert not result.all_failures
    write_changes(result.changes().values())
    return sum(1 for site in result.sites if site.action.value == "changed")


STYLES = ["wait_for"] + (["timeout"] if sys.version_info >= (3, 11) else [])


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("method", ["ask", "ask_twice"])
def test_hanging_call_is_bounded(program: Path, method: str, style: str) -> None:
    assert _run(program, method, "slow") == "still running"
    assert _apply(program, {**OPTIONS, "style": style}) == 3
    assert _run(program, method, "slow") == "raised TimeoutError"


@pytest.mark.parametrize("method, answer", [("ask", "echo: hi"), ("ask_twice", "echo: hi / echo: hi")])
def test_answering_call_returns_the_same(program: Path, method: str, answer: str) -> None:
    assert _run(program, method, "fast") == f"returned {answer}"
    _apply(program, OPTIONS)
    assert "asyncio.wait_for" in (program / "project" / "app" / "service.py").read_text()
    assert _run(program, method, "fast") == f"returned {answer}"


NAMESPACE_CLIENT = """
import os

from openai import AsyncOpenAI

if os.getenv("LLM_PROXY"):
    client = AsyncOpenAI(base_url=os.environ["LLM_PROXY"], timeout=60.0)
else:
    client = AsyncOpenAI()
"""

NAMESPACE_CALLER = """
from service.llm.client import client


async def {name}(model: str) -> str:
    response = await client.chat.completions.create(model=model, messages=[{{"role": "user", "content": "hi"}}])
    return response.choices[0].message.content
"""

NAMESPACE_RUNNER = """
import asyncio
import sys

from service.llm.summaries import summarise
from service.llm.translations import translate


async def main(model: str) -> None:
    for ask in (summarise, translate):
        try:
            print("returned", await asyncio.wait_for(ask(model), timeout=2.0))
        except asyncio.TimeoutError:
            print("still running")


asyncio.run(main(sys.argv[1]))
"""


def test_shared_bound_in_a_package_below_a_namespace_folder_still_imports(tmp_path: Path) -> None:
    """`service/` has no `__init__.py`: the code imports `service.llm.*` from the project's folder.
    The shared bound's module is imported the same way (not as `llm.llm_timeouts`, which only
    resolves from inside `service/`), and the program still runs and answers."""
    _write(tmp_path / "fakes" / "openai" / "__init__.py", FAKE_OPENAI)
    project = tmp_path / "project"
    _write(project / "service" / "llm" / "__init__.py", "")
    _write(project / "service" / "llm" / "client.py", NAMESPACE_CLIENT)
    _write(project / "service" / "llm" / "summaries.py", NAMESPACE_CALLER.format(name="summarise"))
    _write(project / "service" / "llm" / "translations.py", NAMESPACE_CALLER.format(name="translate"))
    _write(project / "run.py", NAMESPACE_RUNNER)
    search_path = f"{tmp_path / 'fakes'}:{project}"

    def run(model: str) -> str:
        completed = subprocess.run(
            [sys.executable, "run.py", model], check=False, cwd=project,
            env={"PYTHONPATH": search_path, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
        )
        assert completed.returncode == 0, completed.stderr
        return completed.stdout.strip()

    assert run("fast") == "returned echo: hi\nreturned echo: hi"
    assert _apply(tmp_path, {}) == 2
    assert "from service.llm.llm_timeouts import LLM_TIMEOUT_SECONDS" in (project / "service" / "llm" / "summaries.py").read_text()
    assert run("fast") == "returned echo: hi\nreturned echo: hi"
