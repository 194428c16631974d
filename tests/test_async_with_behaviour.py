"""`async-with` changes what a task does with its session: before, the unit of work is neither
committed nor rolled back nor closed when the task ends; after, success commits and closes, and
failure rolls back, closes and still raises. Run for real, before and after, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from fixit_codemods.api import Action
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.async_with import AsyncWithSessions
from fixit_codemods.writer import write_changes

DATABASE = '''
"""A fake session that records what happens to it."""

EVENTS: list[str] = []


class FakeSession:
    async def work(self, fail: bool) -> str:
        EVENTS.append("work")
        if fail:
            raise ValueError("the work failed")
        return "done"

    async def commit(self) -> None:
        EVENTS.append("commit")

    async def rollback(self) -> None:
        EVENTS.append("rollback")

    async def close(self) -> None:
        EVENTS.append("close")


async def get_db_session_context():
    session = FakeSession()
    try:
        yield session
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()
'''

TASKS = """
from . import database as db_module


async def run_task(fail: bool) -> str:
    db_context = db_module.get_db_session_context()
    db = await anext(db_context)
    try:
        return await db.work(fail)
    except Exception:
        raise
"""

# Events are read as soon as the task returns or raises, before the event loop gets a chance
# to finalise an abandoned generator: that is what the code itself guarantees.
RUNNER = """
import asyncio, json
from shop import database, tasks


async def outcome(fail):
    database.EVENTS.clear()
    try:
        result = await tasks.run_task(fail)
    except ValueError as error:
        result = f"raised: {error}"
    return {"result": result, "events": list(database.EVENTS)}


async def main():
    return {"success": await outcome(False), "failure": await outcome(True)}


print(json.dumps(asyncio.run(main())))
"""


def build_project(root: Path) -> None:
    package = root / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "database.py").write_text(textwrap.dedent(DATABASE))
    (package / "tasks.py").write_text(textwrap.dedent(TASKS))
    (root / "run.py").write_text(textwrap.dedent(RUNNER))


def run(root: Path) -> dict[str, dict[str, object]]:
    completed = subprocess.run(
        [sys.executable, "run.py"], cwd=root, capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(completed.stdout)


def apply_transform(root: Path) -> list[tuple[str, Action]]:
    result = Engine([AsyncWithSessions()], jobs=1).run([root / "shop"])
    assert not result.all_failures
    write_changes(result.changes().values())
    return sorted((site.path, site.action) for site in result.sites)


def test_sessions_are_committed_or_rolled_back_and_closed_after_the_transform(tmp_path: Path) -> None:
    build_project(tmp_path)

    before = run(tmp_path)
    assert before["success"] == {"result": "done", "events": ["work"]}
    assert before["failure"] == {"result": "raised: the work failed", "events": ["work"]}

    sites = apply_transform(tmp_path)
    assert [action for _, action in sites] == [Action.CHANGED, Action.CHANGED]
    assert "async with db_module.get_db_session_context() as db:" in (tmp_path / "shop/tasks.py").read_text()

    after = run(tmp_path)
    assert after["success"] == {"result": "done", "events": ["work", "commit", "close"]}
    assert after["failure"] == {"result": "raised: the work failed", "events": ["work", "rollback", "close"]}


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    build_project(tmp_path)
    apply_transform(tmp_path)
    again = Engine([AsyncWithSessions()], jobs=1).run([tmp_path / "shop"])
    assert not again.changes()
    assert run(tmp_path)["failure"]["events"] == ["work", "rollback", "close"]


# A function-local import beside a module-level one: the local caller iterates the generator to
# exhaustion (correct code the run leaves alone), so the factory must stay a generator and the
# rewritten site opens a twin. Decorating it would make the local caller raise TypeError.
TASKS_WITH_LOCAL_IMPORT = """
from .database import get_db_session_context


async def run_task(fail: bool) -> str:
    db = await anext(get_db_session_context())
    return await db.work(fail)


async def drain_task(fail: bool) -> str:
    from .database import get_db_session_context as open_session

    result = "none"
    async for db in open_session():
        result = await db.work(fail)
    return result
"""

RUNNER_BOTH = """
import asyncio, json
from shop import database, tasks


async def outcome(task, fail):
    database.EVENTS.clear()
    try:
        result = await task(fail)
    except Exception as error:
        result = f"raised {type(error).__name__}: {error}"
    return {"result": result, "events": list(database.EVENTS)}


async def main():
    return {
        "run": await outcome(tasks.run_task, False),
        "drain": await outcome(tasks.drain_task, False),
    }


print(json.dumps(asyncio.run(main())))
"""


def test_a_function_local_generator_use_keeps_the_factory_a_generator(tmp_path: Path) -> None:
    build_project(tmp_path)
    (tmp_path / "shop" / "tasks.py").write_text(textwrap.dedent(TASKS_WITH_LOCAL_IMPORT))
    (tmp_path / "run.py").write_text(textwrap.dedent(RUNNER_BOTH))
    before = run(tmp_path)
    assert before["drain"] == {"result": "done", "events": ["work", "commit", "close"]}

    apply_transform(tmp_path)
    database = (tmp_path / "shop" / "database.py").read_text()
    # not decorated, since one use is not rewritten: the rewritten site opens a twin
    assert "asynccontextmanager\nasync def get_db_session_context" not in database
    assert "asynccontextmanager(get_db_session_context)" in database
    assert "async with get_db_session_context_context() as db:" in (tmp_path / "shop" / "tasks.py").read_text()

    after = run(tmp_path)
    assert after["run"] == {"result": "done", "events": ["work", "commit", "close"]}
    assert after["drain"] == before["drain"]


# `async for db in factory(): ... break` and its relatives. The last two functions stand in for
# FastAPI: it drives a generator dependency by hand and throws the endpoint's error in at `yield`.
LOOP_TASKS = """
from .database import get_db_session_context


async def break_task(fail: bool) -> str:
    async for db in get_db_session_context():
        result = await db.work(fail)
        break
    return result


async def return_task(fail: bool) -> str:
    async for db in get_db_session_context():
        return await db.work(fail)


async def websocket_task(fail: bool) -> str:
    messages = ["a", "b", "stop", "never"]
    handled = []
    while messages:
        message = messages.pop(0)
        if message == "stop":
            break
        async for db in get_db_session_context():
            handled.append(await db.work(fail and message == "b"))
            break
    return ",".join(handled)


async def close_task(fail: bool) -> str:
    db_context = get_db_session_context()
    db = await anext(db_context)
    try:
        return await db.work(fail)
    finally:
        await db.close()


async def get_service():
    async for db in get_db_session_context():
        yield db
"""

RUNNER_LOOPS = """
import asyncio, json
from shop import database, tasks


async def dependency_task(fail):
    dependency = tasks.get_service()
    db = await dependency.__anext__()
    try:
        result = await db.work(fail)
    except Exception as error:
        try:
            await dependency.athrow(error)
        except ValueError:
            pass
        raise
    try:
        await dependency.__anext__()
    except StopAsyncIteration:
        pass
    return result


async def outcome(task, fail):
    database.EVENTS.clear()
    try:
        result = await task(fail)
    except Exception as error:
        result = f"raised {type(error).__name__}: {error}"
    return {"result": result, "events": list(database.EVENTS)}


async def main():
    tasks_ = [tasks.break_task, tasks.return_task, tasks.websocket_task, tasks.close_task, dependency_task]
    return {
        f"{task.__name__} {'failure' if fail else 'success'}": await outcome(task, fail)
        for task in tasks_
        for fail in (False, True)
    }


print(json.dumps(asyncio.run(main())))
"""

DONE_TWICE = "done,done"
FAILED = "raised ValueError: the work failed"


def test_loops_that_leave_early_commit_or_roll_back_and_close_after_the_transform(tmp_path: Path) -> None:
    build_project(tmp_path)
    (tmp_path / "shop" / "tasks.py").write_text(textwrap.dedent(LOOP_TASKS))
    (tmp_path / "run.py").write_text(textwrap.dedent(RUNNER_LOOPS))
    before = run(tmp_path)
    assert before["break_task success"] == {"result": "done", "events": ["work"]}
    assert before["return_task failure"] == {"result": FAILED, "events": ["work"]}
    assert before["websocket_task success"] == {"result": DONE_TWICE, "events": ["work", "work"]}
    assert before["close_task success"] == {"result": "done", "events": ["work", "close"]}
    assert before["dependency_task success"] == {"result": "done", "events": ["work", "commit", "close"]}
    assert before["dependency_task failure"] == {"result": FAILED, "events": ["work"]}

    sites = apply_transform(tmp_path)
    assert [action for _, action in sites] == [Action.CHANGED] * 6  # five sites and the definition
    assert "async for" not in (tmp_path / "shop" / "tasks.py").read_text()

    after = run(tmp_path)
    committed = ["work", "commit", "close"]
    rolled_back = ["work", "rollback", "close"]
    for task in ("break_task", "return_task", "close_task", "dependency_task"):
        assert after[f"{task} success"] == {"result": "done", "events": committed}, task
        assert after[f"{task} failure"] == {"result": FAILED, "events": rolled_back}, task
    # the WebSocket-style loop still handles the same messages and stops where it stopped
    assert after["websocket_task success"] == {"result": DONE_TWICE, "events": committed * 2}
    assert after["websocket_task failure"] == {"result": FAILED, "events": committed + rolled_back}
    again = Engine([AsyncWithSessions()], jobs=1).run([tmp_path / "shop"])
    assert not again.changes()


# `anext` on a factory that is an @asynccontextmanager already: a TypeError today, a working unit of
# work after the transform (and the factory is not decorated a second time).
CONTEXT_MANAGER_DATABASE = DATABASE.replace(
    "async def get_db_session_context():", "@contextlib.asynccontextmanager\nasync def get_db_session_context():"
).replace('"""A fake session that records what happens to it."""', '"""Fake sessions."""\nimport contextlib')

CONTEXT_MANAGER_TASKS = """
from .database import get_db_session_context


async def run_task(fail: bool) -> str:
    db = await anext(get_db_session_context())
    return await db.work(fail)
"""


def test_anext_on_an_async_context_manager_becomes_async_with(tmp_path: Path) -> None:
    build_project(tmp_path)
    (tmp_path / "shop" / "database.py").write_text(textwrap.dedent(CONTEXT_MANAGER_DATABASE))
    (tmp_path / "shop" / "tasks.py").write_text(textwrap.dedent(CONTEXT_MANAGER_TASKS))
    before = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert before.returncode != 0 and "TypeError" in before.stderr  # the task never ran

    sites = apply_transform(tmp_path)
    assert [action for _, action in sites] == [Action.CHANGED]
    assert (tmp_path / "shop" / "database.py").read_text().count("asynccontextmanager") == 1

    after = run(tmp_path)
    assert after["success"] == {"result": "done", "events": ["work", "commit", "close"]}
    assert after["failure"] == {"result": "raised: the work failed", "events": ["work", "rollback", "close"]}
