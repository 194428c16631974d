"""The semantic model: one test per question, on small multi-file packages written here."""

from __future__ import annotations

from pathlib import Path

from conftest import write
from fixit_codemods.engine import load_sources
from fixit_codemods.model import SemanticModel, Value
from fixit_codemods.project import Project


def model_of(root: Path) -> SemanticModel:
    groups, failures, _ = load_sources([root], root, root, (), ())
    assert not failures
    return SemanticModel(Project(root, groups[root], jobs=1))


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def kinds(values: frozenset[Value]) -> set[tuple[str, str]]:
    return {(value.kind, value.name) for value in values}


# -- names -------------------------------------------------------------------------------------


def test_function_local_import_wins_at_its_lines_only(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "database.py", "async def get_db_session_context():\n    yield 1\n")
    write(tmp_path / "app" / "other.py", "async def get_db_session_context():\n    yield 2\n")
    tasks = tmp_path / "app" / "tasks.py"
    write(tasks, (
        "from app.other import get_db_session_context\n"
        "\n"
        "async def task():\n"
        "    from .database import get_db_session_context\n"
        "    db = await anext(get_db_session_context())\n"
        "\n"
        "async def elsewhere():\n"
        "    db = await anext(get_db_session_context())\n"
    ))
    model = model_of(tmp_path)
    assert model.resolve("app.tasks", "get_db_session_context", 5) == "app.database.get_db_session_context"
    assert model.resolve("app.tasks", "get_db_session_context", 8) == "app.other.get_db_session_context"
    assert model.resolve("app.tasks", "get_db_session_context") == "app.other.get_db_session_context"


def test_local_alias_and_parameter_shadowing(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "db.py", "def get_db():\n    yield 1\n")
    module = tmp_path / "app" / "jobs.py"
    write(module, (
        "from app.db import get_db\n"
        "def run():\n"
        "    import json\n"
        "    factory = get_db\n"
        "    return factory()\n"
        "def injected(get_db):\n"
        "    import json\n"
        "    return get_db()\n"
    ))
    model = model_of(tmp_path)
    assert model.resolve("app.jobs", "factory", 5) == "app.db.get_db"
    assert model.resolve("app.jobs", "get_db", 8) != "app.db.get_db"  # the parameter shadows the import
    model.load(model.project.files)
    assert {"get_db", "factory"} <= model.names_bound_to("app.db.get_db")


def test_modern_syntax_module_is_read(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "types.py", (
        "class Reply[T]:\n"
        "    value: T\n"
        "type Session = int\n"
        "def first[T](items: list[T]) -> T:\n"
        "    return items[0]\n"
        "def describe(x):\n"
        "    return f\"{x[\"name\"]}\"\n"
    ))
    model = model_of(tmp_path)
    assert kinds(model.values("app.types", "Reply", 7)) == {("class", "app.types.Reply")}
    assert kinds(model.values("app.types", "first", 7)) == {("function", "app.types.first")}


# -- values ------------------------------------------------------------------------------------


def test_union_of_branch_assignments_to_self_attribute(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    service = tmp_path / "app" / "llm.py"
    write(service, (
        "from anthropic import AsyncAnthropic\n"
        "from openai import AsyncOpenAI\n"
        "class Base:\n"
        "    def __init__(self, provider):\n"
        "        if provider == 'anthropic':\n"
        "            self.client = AsyncAnthropic()\n"
        "        else:\n"
        "            self.client = AsyncOpenAI(timeout=120)\n"
        "class Service(Base):\n"
        "    async def ask(self):\n"
        "        return await self.client.messages.create(model='m')\n"
    ))
    model = model_of(tmp_path)
    line = line_of(service, "messages.create")
    clients = model.values("app.llm", "self.client", line)
    assert {(v.kind, v.name, v.keywords) for v in clients} == {
        ("external", "anthropic.AsyncAnthropic", frozenset()),
        ("external", "openai.AsyncOpenAI", frozenset({"timeout"})),
    }


def test_module_singleton_factory_and_wrapper(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "clients.py", (
        "import instructor\n"
        "from openai import AsyncOpenAI\n"
        "OPENAI_CLIENT = AsyncOpenAI()\n"
        "def make_client():\n"
        "    return instructor.from_openai(AsyncOpenAI(timeout=5))\n"
    ))
    user = tmp_path / "app" / "use.py"
    write(user, (
        "from app import clients\n"
        "from app.clients import make_client\n"
        "async def go():\n"
        "    client = make_client()\n"
        "    await clients.OPENAI_CLIENT.chat.completions.create()\n"
        "    await client.chat.completions.create()\n"
    ))
    model = model_of(tmp_path)
    assert kinds(model.values("app.use", "clients.OPENAI_CLIENT", 5)) == {("external", "openai.AsyncOpenAI")}
    made = model.values("app.use", "client", 6)
    assert {(v.name, v.keywords) for v in made} == {("openai.AsyncOpenAI", frozenset({"timeout"}))}


def test_annotations_optional_union_and_string(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "repo.py", "class Repo:\n    pass\nclass Cache:\n    pass\n")
    module = tmp_path / "app" / "svc.py"
    write(module, (
        "from typing import Optional, Union\n"
        "from app.repo import Repo, Cache\n"
        "def a(repo: Optional[Repo], both: 'Union[Repo, Cache]', new: Repo | None):\n"
        "    return repo, both, new\n"
    ))
    model = model_of(tmp_path)
    assert kinds(model.values("app.svc", "repo", 4)) == {("instance", "app.repo.Repo"), ("instance", "None")}
    assert kinds(model.values("app.svc", "both", 4)) == {("instance", "app.repo.Repo"), ("instance", "app.repo.Cache")}
    assert kinds(model.values("app.svc", "new", 4)) == {("instance", "app.repo.Repo"), ("instance", "None")}


# -- calls -------------------------------------------------------------------------------------


def test_method_through_receiver_base_class_and_super(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "crud.py", (
        "class BaseCRUD:\n"
        "    async def create(self, data):\n"
        "        raise ValueError('already exists')\n"
        "class ProviderCRUD(BaseCRUD):\n"
        "    def __init__(self, session):\n"
        "        self.session = session\n"
        "    async def update(self, data):\n"
        "        return await super().create(data)\n"
    ))
    router = tmp_path / "app" / "router.py"
    write(router, (
        "from app.crud import ProviderCRUD\n"
        "async def create(session, data):\n"
        "    crud = ProviderCRUD(session)\n"
        "    return await crud.create(data)\n"
    ))
    model = model_of(tmp_path)
    assert model.callees("app.router", "ProviderCRUD(session)", 3) == (["app.crud.ProviderCRUD.__init__"], [])
    assert model.callees("app.router", "crud.create(data)", 4) == (["app.crud.BaseCRUD.create"], [])
    assert model.callees("app.crud", "super().create(data)", 8) == (["app.crud.BaseCRUD.create"], [])


def test_protocol_with_one_implementation(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    module = tmp_path / "app" / "ports.py"
    write(module, (
        "from typing import Protocol\n"
        "class Store(Protocol):\n"
        "    def put(self, key): ...\n"
        "class SqlStore(Store):\n"
        "    def put(self, key):\n"
        "        raise ValueError('duplicate key')\n"
        "def save(store: Store):\n"
        "    store.put('k')\n"
    ))
    model = model_of(tmp_path)
    reached, unknown = model.callees("app.ports", "store.put('k')", 8)
    assert "app.ports.SqlStore.put" in reached or reached == ["app.ports.Store.put"]
    assert unknown == []


# -- raises ------------------------------------------------------------------------------------


def test_raise_summary_transitive_with_unknown(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "errors.py", "class OfferExpiredError(ValueError):\n    pass\n")
    write(tmp_path / "app" / "service.py", (
        "import httpx\n"
        "from app.errors import OfferExpiredError\n"
        "class OfferService:\n"
        "    def accept(self, offer):\n"
        "        self._check(offer)\n"
        "        httpx.post('https://example.invalid')\n"
        "    def _check(self, offer):\n"
        "        if offer.expired:\n"
        "            raise OfferExpiredError('offer expired')\n"
        "        if offer.taken:\n"
        "            raise ValueError(f'offer {offer.id} already taken')\n"
        "        try:\n"
        "            int(offer.code)\n"
        "        except ValueError:\n"
        "            pass\n"
        "        raise KeyError(offer.name)\n"
    ))
    model = model_of(tmp_path)
    summary = model.raises("app.service.OfferService.accept")
    shapes = {(r.exception, r.message) for r in summary.raises}
    assert shapes == {
        ("app.errors.OfferExpiredError", ("offer expired",)),
        ("ValueError", ("offer ", None, " already taken")),
        ("KeyError", None),
    }
    # `int()` may raise a ValueError the model cannot describe: its handler swallows only those
    # it can name, so the call stays an unknown; `httpx.post` is third-party
    assert sorted(u.reason for u in summary.unknown) == ["builtin call `int`", "third-party call `httpx.post`"]
    assert model.exception_ancestry("app.errors.OfferExpiredError") >= {"ValueError", "Exception"}


def test_raise_summary_unknown_for_a_module_that_does_not_parse(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "broken.py", "def check(:\n    raise ValueError('not found')\n")
    write(tmp_path / "app" / "use.py", "from app.broken import check\ndef go():\n    check()\n")
    groups, failures, _ = load_sources([tmp_path], tmp_path, tmp_path, (), ())
    model = SemanticModel(Project(tmp_path, groups[tmp_path], jobs=1))
    summary = model.raises("app.use.go")
    assert summary.raises == []
    assert summary.unknown and "app.broken.check" in summary.unknown[0].reason


def test_global_singleton_built_lazily_in_a_function(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    module = tmp_path / "app" / "llm.py"
    write(module, (
        "from openai import AsyncOpenAI\n"
        "_client = None\n"
        "def get_client():\n"
        "    global _client\n"
        "    if _client is None:\n"
        "        _client = AsyncOpenAI()\n"
        "    return _client\n"
        "async def ask():\n"
        "    return await get_client().chat.completions.create()\n"
    ))
    model = model_of(tmp_path)
    assert kinds(model.values("app.llm", "get_client()", 9)) == {
        ("instance", "None"),
        ("external", "openai.AsyncOpenAI"),
    }


def test_type_checking_import_reexport_alias_and_property(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "from app.db import get_db_session\n")
    write(tmp_path / "app" / "db.py", "async def get_db_session():\n    yield 1\n")
    write(tmp_path / "app" / "clients.py", "from anthropic import AsyncAnthropic\n")
    module = tmp_path / "app" / "svc.py"
    write(module, (
        "from typing import TYPE_CHECKING\n"
        "from app import get_db_session\n"
        "if TYPE_CHECKING:\n"
        "    from app.clients import AsyncAnthropic\n"
        "get_session = get_db_session\n"
        "class Service:\n"
        "    @property\n"
        "    def client(self) -> 'AsyncAnthropic':\n"
        "        return self._client\n"
        "    @classmethod\n"
        "    def build(cls) -> 'Service':\n"
        "        return cls()\n"
        "    async def ask(self):\n"
        "        return await self.client.messages.create()\n"
    ))
    model = model_of(tmp_path)
    assert model.resolve("app.svc", "get_session", 13) == "app.db.get_db_session"
    assert kinds(model.values("app.svc", "self.client", 14)) == {("external", "anthropic.AsyncAnthropic")}
    assert model.callees("app.svc", "Service.build()", 14) == (["app.svc.Service.build"], [])
    assert kinds(model.values("app.svc", "Service.build()", 14)) == {("instance", "app.svc.Service")}


def test_a_package_folder_run_as_the_source_root(tmp_path: Path) -> None:
    # server/ is a package, but its code imports `services.x` as when run from inside server/
    write(tmp_path / "server" / "__init__.py", "")
    write(tmp_path / "server" / "services" / "__init__.py", "")
    write(tmp_path / "server" / "services" / "attendance.py", (
        "class AttendanceService:\n"
        "    async def register(self, person):\n"
        "        raise ValueError('person not found')\n"
    ))
    write(tmp_path / "server" / "routes.py", (
        "from services.attendance import AttendanceService\n"
        "async def register(person):\n"
        "    service = AttendanceService()\n"
        "    return await service.register(person)\n"
    ))
    model = model_of(tmp_path)
    reached, unknown = model.callees("server.routes", "service.register(person)", 4)
    # one canonical name per definition: the file's own, whichever spelling imported it
    assert reached == ["server.services.attendance.AttendanceService.register"] and unknown == []
    summary = model.raises(reached[0])
    assert [(r.exception, r.message) for r in summary.raises] == [("ValueError", ("person not found",))]


def test_a_package_below_a_namespace_folder_imported_from_the_project_folder(tmp_path: Path) -> None:
    # app/ has no __init__.py: the package is `ai`, but code run from the project's folder imports
    # it as `app.ai` (a namespace package), as the project itself does
    write(tmp_path / "app" / "ai" / "__init__.py", "")
    write(tmp_path / "app" / "ai" / "client.py", "from openai import AsyncOpenAI\nclient = AsyncOpenAI()\n")
    write(tmp_path / "app" / "ai" / "summaries.py", (
        "from app.ai.client import client\n"
        "async def summarise():\n"
        "    return await client.chat.completions.create(model='m', messages=[])\n"
    ))
    model = model_of(tmp_path)
    client = model.project.find_module("app.ai.client")
    assert client is not None and client.module == "ai.client"
    assert model.project.names_of(client)[0] == "ai.client" and "app.ai.client" in model.project.names_of(client)
    assert kinds(model.values("ai.summaries", "client", 3)) == {("external", "openai.AsyncOpenAI")}
    summaries = model.project.find_file("app/ai/summaries.py")
    assert summaries is not None and model.project.namespace_prefix(summaries) == "app."
    # a module the run adds to the package is imported as the code imports its neighbours
    assert model.project.import_name(summaries, "ai.llm_timeouts") == "app.ai.llm_timeouts"


def test_a_module_name_wins_over_a_namespace_spelling(tmp_path: Path) -> None:
    write(tmp_path / "one" / "pkg" / "__init__.py", "")  # no one/__init__.py: `pkg.mod`, or `one.pkg.mod`
    write(tmp_path / "one" / "pkg" / "mod.py", "x = 1\n")
    for folder in ("src/one", "src/one/pkg"):
        write(tmp_path / folder / "__init__.py", "")
    write(tmp_path / "src" / "one" / "pkg" / "mod.py", "x = 2\n")  # the module `one.pkg.mod` itself
    project = model_of(tmp_path).project
    found = project.find_module("one.pkg.mod")
    assert found is not None and found.relpath == "src/one/pkg/mod.py"
    namespaced = project.find_module("pkg.mod")
    assert namespaced is not None and "one.pkg.mod" not in project.names_of(namespaced)


def test_tuple_unpacking_from_a_factory(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "clients.py", (
        "from openai import AsyncOpenAI\n"
        "def create_client(cfg):\n"
        "    client = AsyncOpenAI(timeout=30)\n"
        "    return client, cfg\n"
    ))
    module = tmp_path / "app" / "agent.py"
    write(module, (
        "import openai\n"
        "from app.clients import create_client\n"
        "class Agent:\n"
        "    def __init__(self):\n"
        "        self._client: openai.AsyncOpenAI | None = None\n"
        "    def start(self, cfg, pair):\n"
        "        self._client, _ = create_client(cfg)\n"
        "        first, *rest = pair\n"
        "        return first\n"
        "    async def ask(self):\n"
        "        return await self._client.chat.completions.create()\n"
    ))
    model = model_of(tmp_path)
    clients = model.values("app.agent", "self._client", 11)
    assert {(v.kind, v.name, v.keywords) for v in clients} == {
        ("instance", "None", frozenset()),
        ("external", "openai.AsyncOpenAI", frozenset()),  # the declared type
        ("external", "openai.AsyncOpenAI", frozenset({"timeout"})),  # what the factory builds
    }
    assert all(v.is_unknown for v in model.values("app.agent", "first", 9))


def test_self_seen_from_a_function_nested_in_a_method(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "worker.py", (
        "import asyncio\n"
        "from openai import AsyncOpenAI\n"
        "class Worker:\n"
        "    def __init__(self):\n"
        "        self.client = AsyncOpenAI()\n"
        "    async def run(self, prompts):\n"
        "        async def one(prompt):\n"
        "            return await self.client.responses.create(input=prompt)\n"
        "        return await asyncio.gather(*(one(p) for p in prompts))\n"
    ))
    model = model_of(tmp_path)
    assert kinds(model.values("app.worker", "self.client", 8)) == {("external", "openai.AsyncOpenAI")}


def test_callers_through_imports_and_methods_and_none_when_one_is_unseen(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "service.py", (
        "class Service:\n"
        "    async def _call(self, **kwargs):\n"
        "        return kwargs\n"
        "\n"
        "    async def run(self):\n"
        "        return await self._call(a=1)\n"
        "\n"
        "def helper():\n"
        "    return 1\n"
    ))
    write(tmp_path / "app" / "routes.py", (
        "from app.service import Service, helper\n"
        "\n"
        "async def route():\n"
        "    helper()\n"
        "    return await Service()._call(b=2)\n"
        "\n"
        "def other(thing):\n"
        "    return thing.helper()\n"
    ))
    model = model_of(tmp_path)
    callers = model.callers("app.service.Service._call")
    assert callers is not None
    assert sorted((c.module, c.function_qualified) for c in callers) == [
        ("app.routes", "app.routes.route"),
        ("app.service", "app.service.Service.run"),
    ]
    assert model.callers("app.service.helper") is None  # `thing.helper()`: a receiver it cannot type
