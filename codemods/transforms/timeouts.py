"""`timeouts`: bound LLM calls that have no time limit with `asyncio.wait_for`.

How a call is recognised: its callee is resolved, never guessed from its name. A function call is
resolved through the module's imports (`from litellm import acompletion as complete`,
`litellm.acompletion`); a method call through the object it is made on, traced back to where that
object comes from — a constructor call (`client = AsyncOpenAI()`), an annotated parameter
(`client: AsyncOpenAI`, `Annotated[AsyncOpenAI, Depends(...)]`), an attribute set in the class
(`self.client = AsyncOpenAI()`), an `async with ... as client`, or a module-level client imported
from another module of the project (collected in `plan`). `repo.messages.create(...)` on an object
whose origin is unknown is not an LLM call.
"""

from __future__ import annotations

import ast
import builtins
import enum
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import libcst as cst
from fixit_codemods.api import (
    Action,
    ConfigError,
    FileRewrite,
    NewFile,
    Option,
    Safety,
    Site,
    Transform,
    parse_list,
)
from fixit_codemods.ast_walk import walk_ast
from fixit_codemods.cst_helpers import ImportSpec, add_imports, dotted
from fixit_codemods.index import (
    ProjectIndex,
    dotted_name,
    module_facts,
    resolve_relative,
    top_level_statements,
)
from fixit_codemods.lines import lines_naming, visit_near
from fixit_codemods.model import AnyFunction, CallerSite, SemanticModel, Value
from fixit_codemods.project import Project
from fixit_codemods.sources import SourceError, SourceFile
from fixit_codemods.walk import walk
from libcst.metadata import (
    BaseAssignment,
    CodeRange,
    ImportAssignment,
    MetadataWrapper,
    ScopeProvider,
)

# -- what the libraries look like ----------------------------------------------------------------


class CallKind(enum.Enum):
    ASYNC = "async"  # returns a coroutine: asyncio.wait_for can bound it
    SYNC = "sync"  # blocks the thread: asyncio.wait_for cannot interrupt it
    STREAM = "stream"  # returns a stream: bounding the call does not bound reading the stream
    PATTERN = "pattern"  # named by the `patterns` option: async when it is awaited


OPENAI_CLIENTS = frozenset({"OpenAI", "AzureOpenAI", "AsyncOpenAI", "AsyncAzureOpenAI"})
OPENAI_REQUESTS = frozenset(
    {
        "chat.completions.create",
        "chat.completions.parse",
        "beta.chat.completions.parse",
        "completions.create",
        "embeddings.create",
        "responses.create",
        "responses.parse",
    }
)
OPENAI_STREAMS = frozenset({"chat.completions.stream", "beta.chat.completions.stream", "responses.stream"})
ANTHROPIC_CLIENTS = frozenset(
    {
        "Anthropic",
        "AnthropicBedrock",
        "AnthropicVertex",
        "AsyncAnthropic",
        "AsyncAnthropicBedrock",
        "AsyncAnthropicVertex",
    }
)
ANTHROPIC_REQUESTS = frozenset({"messages.create", "beta.messages.create", "completions.create"})
ANTHROPIC_STREAMS = frozenset({"messages.stream", "beta.messages.stream"})
LITELLM_CALLS: Mapping[str, CallKind] = {
    "acompletion": CallKind.ASYNC,
    "aembedding": CallKind.ASYNC,
    "atext_completion": CallKind.ASYNC,
    "completion": CallKind.SYNC,
    "embedding": CallKind.SYNC,
    "text_completion": CallKind.SYNC,
}
LITELLM_MODULES = frozenset({"litellm", "litellm.main"})  # where litellm's public functions live
AGENT_CALLS: Mapping[str, CallKind] = {
    "run": CallKind.ASYNC,
    "run_sync": CallKind.SYNC,
    "run_stream": CallKind.STREAM,
}
LANGCHAIN_CALLS: Mapping[str, CallKind] = {
    "ainvoke": CallKind.ASYNC,
    "abatch": CallKind.ASYNC,
    "invoke": CallKind.SYNC,
    "batch": CallKind.SYNC,
    "astream": CallKind.STREAM,
    "astream_events": CallKind.STREAM,
    "stream": CallKind.STREAM,
}
# langchain classes named Chat* that are not models (prompts, histories, messages)
LANGCHAIN_NOT_MODELS = ("Template", "History", "Message", "Messages", "Value", "Result", "Generation")
LANGCHAIN_LLM_CLASSES = frozenset({"OpenAI", "AzureOpenAI", "OllamaLLM", "Ollama", "init_chat_model"})
# Methods returning the same client, reconfigured: the call made on their result is still an LLM call.
RECONFIGURING_METHODS = frozenset(
    {"with_options", "copy", "with_structured_output", "bind_tools", "bind", "with_config", "with_retry"}
)
# What an instructor client built around a litellm function (`instructor.from_litellm(acompletion)`)
# is called with; the call is as async as the function it wraps.
INSTRUCTOR_REQUESTS = frozenset(
    {
        "chat.completions.create",
        "chat.completions.create_with_completion",
        "create",
        "create_with_completion",
        "messages.create",
    }
)
TIMEOUT_KEYWORDS = frozenset({"timeout", "request_timeout", "default_request_timeout"})
# Objects tracked like clients although they are not LLM clients: their methods schedule coroutines.
TASK_GROUP = "asyncio.TaskGroup"
SCHEDULERS = frozenset({"asyncio.gather", "asyncio.create_task", "asyncio.ensure_future", "asyncio.run"})
BOUNDING_CALLS = frozenset({"asyncio.wait_for"})
BOUNDING_CONTEXTS = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "async_timeout.timeout",
        "async_timeout.timeout_at",
        "anyio.fail_after",
        "anyio.fail_at",
        "anyio.move_on_after",
        "anyio.move_on_at",
        "trio.fail_after",
        "trio.fail_at",
        "trio.move_on_after",
        "trio.move_on_at",
    }
)
LLM_PACKAGES = frozenset({"openai", "anthropic", "litellm", "pydantic_ai"})  # and langchain*
TRIGGERS = (b"openai", b"anthropic", b"litellm", b"pydantic_ai", b"langchain")
# Last names of every call this transform may care about: the cheap `ast` pre-check looks for them.
CALL_NAMES = frozenset(
    {
        path.rsplit(".", 1)[-1]
        for path in OPENAI_REQUESTS | OPENAI_STREAMS | ANTHROPIC_REQUESTS | ANTHROPIC_STREAMS
    }
    | set(LITELLM_CALLS)
    | set(AGENT_CALLS)
    | set(LANGCHAIN_CALLS)
)
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
TIMEOUT_CONSTANT = "LLM_TIMEOUT_SECONDS"


def _is_langchain_model(constructor: str) -> bool:
    parts = constructor.split(".")
    name = parts[-1]
    if name in LANGCHAIN_LLM_CLASSES or any(part in ("chat_models", "llms") for part in parts[1:-1]):
        return True
    return name.startswith(("Chat", "AzureChat")) and not name.endswith(LANGCHAIN_NOT_MODELS)


def _client_family(constructor: str) -> str | None:
    """Which library's client `constructor` (a qualified name) builds, if any."""
    package = constructor.split(".", 1)[0]
    name = constructor.rsplit(".", 1)[-1]
    if package == "openai" and name in OPENAI_CLIENTS:
        return "openai"
    if package == "anthropic" and name in ANTHROPIC_CLIENTS:
        return "anthropic"
    if package == "litellm" and name == "Router":
        return "litellm"
    if package == "pydantic_ai" and name == "Agent":
        return "pydantic_ai"
    if package.startswith("langchain") and _is_langchain_model(constructor):
        return "langchain"
    return None


def _request_kind(
    client: str, path: str, requests: frozenset[str], streams: frozenset[str]
) -> CallKind | None:
    if path in streams:
        return CallKind.STREAM
    if path in requests:
        return CallKind.ASYNC if client.rsplit(".", 1)[-1].startswith("Async") else CallKind.SYNC
    return None


def classify_method(constructor: str, path: Sequence[str], patterns: frozenset[str]) -> CallKind | None:
    """The kind of `<object built by constructor>.<path>(...)`, or None when it is no LLM call."""
    streaming = "with_streaming_response" in path
    plain = ".".join(part for part in path if part not in ("with_raw_response", "with_streaming_response"))
    if f"{constructor}.{plain}" in patterns:
        return CallKind.PATTERN
    family = _client_family(constructor)
    kind: CallKind | None = None
    if family == "openai":
        kind = _request_kind(constructor, plain, OPENAI_REQUESTS, OPENAI_STREAMS)
    elif family == "anthropic":
        kind = _request_kind(constructor, plain, ANTHROPIC_REQUESTS, ANTHROPIC_STREAMS)
    elif family == "litellm":
        kind = LITELLM_CALLS.get(plain)
    elif family == "pydantic_ai":
        kind = AGENT_CALLS.get(plain)
    elif family == "langchain":
        kind = LANGCHAIN_CALLS.get(plain)
    return CallKind.STREAM if kind is not None and streaming else kind


def classify_function(qualified: str, patterns: frozenset[str]) -> CallKind | None:
    if qualified in patterns:
        return CallKind.PATTERN
    module, _, name = qualified.rpartition(".")
    return LITELLM_CALLS.get(name) if module in LITELLM_MODULES else None


def is_tracked_constructor(qualified: str, patterns: frozenset[str]) -> bool:
    """Whether objects built by `qualified` are followed: LLM clients, pattern classes, task groups."""
    if qualified == TASK_GROUP or _client_family(qualified) is not None:
        return True
    return any(pattern.startswith(qualified + ".") for pattern in patterns)


class Limit(enum.Enum):
    """What a call or a constructor says about a time limit."""

    ABSENT = "absent"  # no timeout argument
    SET = "set"  # timeout=<value>
    DISABLED = "disabled"  # timeout=None: no limit, on purpose


def limit_of(arguments: Iterable[tuple[str | None, bool]]) -> Limit:
    """The limit (keyword, value-is-None) pairs set: `timeout=`, `request_timeout=`, ..."""
    given = [is_none for keyword, is_none in arguments if keyword in TIMEOUT_KEYWORDS]
    if not given:
        return Limit.ABSENT
    return Limit.DISABLED if all(given) else Limit.SET


Keywords = list[tuple[str, cst.BaseExpression]]  # (keyword, value) a call passes


def call_keywords(call: cst.Call) -> Keywords:
    return [(arg.keyword.value, arg.value) for arg in call.args if arg.keyword is not None]


def call_limit(keywords: Keywords) -> Limit:
    return limit_of((keyword, _is_none(value)) for keyword, value in keywords)


@dataclass(frozen=True)
class ClientOrigin:
    """Where an object comes from: the constructor that built it, and the time limit it was given."""

    constructor: str
    limit: Limit = Limit.ABSENT


# -- options -------------------------------------------------------------------------------------


def _parse_expression(value: object) -> str:
    text = str(value).strip()
    if text:
        try:
            cst.parse_expression(text)
        except cst.ParserSyntaxError as error:
            raise ValueError(f"not a Python expression: `{text}`") from error
    return text


def _parse_import(value: object) -> str:
    text = str(value).strip()
    module, _, name = text.partition(":")
    names = [*module.split("."), *([name] if name else [])]
    if text and not all(part.isidentifier() for part in names):
        raise ValueError(f"expected `package.module:name` or `package.module`, got `{text}`")
    return text


def _parse_style(value: object) -> str:
    text = str(value).strip()
    if text not in ("wait_for", "timeout"):
        raise ValueError(f"expected `wait_for` or `timeout`, got `{text}`")
    return text


def _parse_patterns(value: object) -> tuple[str, ...]:
    patterns = parse_list(value)
    for pattern in patterns:
        if pattern.count(".") < 1 or not all(part.isidentifier() for part in pattern.split(".")):
            raise ValueError(f"expected a qualified name like `mycorp.llm.Client.generate`, got `{pattern}`")
    return patterns


def _free_names(expression: cst.BaseExpression) -> list[str]:
    """Names an expression reads (not attribute names, not keyword names), in order."""
    found: list[str] = []

    class Collector(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            if node.value not in found:
                found.append(node.value)

    expression.visit(Collector())
    return found


# -- the transform -------------------------------------------------------------------------------


class TimeoutsTransform(Transform):
    """Bound LLM calls that have no time limit.

    An LLM request without a timeout of its own can hang a worker for many minutes (the OpenAI
    and Anthropic SDKs wait up to 10 minutes per attempt, then retry; litellm's default is longer
    still): under load, stuck requests pile up until the service stops answering. This transform wraps each awaited LLM call —
    OpenAI / Azure OpenAI, Anthropic, litellm, pydantic-ai `Agent.run`, LangChain chat models'
    `ainvoke`, and any `patterns` you add — in `asyncio.wait_for(<call>, timeout=...)`, also where
    the call is handed to `asyncio.gather` or `create_task`, and adds `import asyncio` and a
    module constant `LLM_TIMEOUT_SECONDS = 120.0` when they are missing. One bound per project:
    where several modules of a package need the constant, they import one definition — from a
    module of the package that already defines it and imports nothing of the project, else from
    a new `<package>/llm_timeouts.py` — instead of each defining a copy (the `timeout` option wins).

    Calls are recognised by resolving names (imports, aliases, constructors, annotations,
    `self.client` attributes, instructor clients around an SDK client or a litellm function,
    a request method held under another name: `create = client.chat.completions.create` or
    `instructor.patch(create=client.messages.create)`), never by method name alone. An attribute
    that holds a different client per branch (an Azure SDK client or instructor around litellm)
    is an LLM call when the request is one for every client it may hold; it is bounded unless
    every branch's client has a time limit. A client built from a `**dict` the code shows (`kwargs =
    {"timeout": t}` then `AsyncOpenAI(**kwargs)`) counts as constructed with those keywords.

    It will not touch:
    - calls already inside `asyncio.wait_for`, `asyncio.timeout[_at]`, `async_timeout`,
      `anyio.fail_after`/`move_on_after` or trio's equivalents (skipped);
    - calls given `timeout=`, or made on a client constructed with `timeout=` (skipped);
      `timeout=None` turns a limit off on purpose (review);
    - calls forwarding their caller's keyword arguments (`**kwargs`, a dict parameter), or
      spreading what a call returns (`**build()`, or `kwargs = self._build(..., stream=True)`
      then `**kwargs`): a timeout the caller chose, or `stream=True`, may be inside, and the
      caller owns the bound (review) — unless every caller the semantic model finds fills that `**kwargs`
      from configuration (`{**self.llm_args, **kwargs}`, `**self.options`, or its own
      `**kwargs` filled the same way) and none passes `timeout=` (wrapped); likewise per-call
      arguments inside an adapter of a third-party framework (LangChain's `BaseChatModel._agenerate`). A dict the code shows (`**{...}`, or a name the
      function binds only to `{...}`/`dict(...)` literals and sets by key) is read like keywords:
      `timeout` skips, `stream` reviews. The function's own merged configuration
      (`{**self.llm_args, **kwargs}`) or an attribute (`**self.options`) is wrapped: `wait_for`
      bounds the call from outside, so a timeout inside the dict cannot clash with it;
    - calls of a library the project bounds as a whole: `litellm.request_timeout = 60` anywhere in
      the project (skipped), a shared `litellm.aclient_session` whose client's timeout applies
      while it is set (review);
    - calls in a command-line script outside the project's packages (`tools/notes.py` with
      `if __name__ == "__main__":`): a person runs it and can stop it (review);
    - synchronous calls (`OpenAI()`, `litellm.completion`, `agent.run_sync`, `llm.invoke`):
      `wait_for` cannot interrupt them (review);
    - streaming calls (`stream=True`, `.stream(...)`, `astream`): bounding the call does not
      bound reading the stream (review);
    - calls whose coroutine is stored or returned instead of awaited (review);
    - calls where a name the bound needs (`asyncio`, the timeout's name) means something else
      (review);
    - comments and docstrings.
    """

    name = "timeouts"
    summary = "bound LLM calls that have no timeout with asyncio.wait_for"
    safety = Safety.UNSAFE
    triggers = TRIGGERS
    options: ClassVar[Mapping[str, Option]] = {
        "timeout": Option(
            "",
            f"timeout expression, e.g. settings.LLM_TIMEOUT_SECONDS (default: a module constant {TIMEOUT_CONSTANT})",
            _parse_expression,
        ),
        "timeout_import": Option(
            "", "where the timeout expression's name comes from, e.g. app.config:settings", _parse_import
        ),
        "default_seconds": Option(
            120.0, f"value of the {TIMEOUT_CONSTANT} constant added to a module", float
        ),
        "style": Option(
            "wait_for",
            "wait_for: asyncio.wait_for(call, timeout=...); timeout: async with asyncio.timeout(...) "
            "blocks (Python 3.11+) where the await is a whole statement",
            _parse_style,
        ),
        "line_length": Option(
            88, "wrapped calls that would make a line longer are split, one argument a line", int
        ),
        "patterns": Option(
            (),
            "extra LLM calls: qualified names of functions or of constructor + method "
            "(e.g. mycorp.llm.Client.generate)",
            _parse_patterns,
        ),
    }
    example_before = (
        "from openai import AsyncOpenAI\n\n\n"
        "async def summarise(client: AsyncOpenAI, text: str) -> str:\n"
        '    response = await client.chat.completions.create(model="gpt-4o-mini", messages=prompt(text))\n'
        "    return response.choices[0].message.content\n"
    )
    example_after = (
        "import asyncio\n\nfrom openai import AsyncOpenAI\n\nLLM_TIMEOUT_SECONDS = 120.0\n\n\n"
        "async def summarise(client: AsyncOpenAI, text: str) -> str:\n"
        "    response = await asyncio.wait_for(\n"
        '        client.chat.completions.create(model="gpt-4o-mini", messages=prompt(text)),\n'
        "        timeout=LLM_TIMEOUT_SECONDS,\n"
        "    )\n"
        "    return response.choices[0].message.content\n"
    )
    rationale = (
        "LLM requests without a time limit can hang for minutes; stuck requests hold workers, "
        "connections and database sessions until the service stops answering. A bound turns a hang "
        "into an error the caller can handle."
    )
    behaviour_change = (
        "An LLM call that runs longer than the bound is cancelled and raises asyncio.TimeoutError "
        "(TimeoutError on Python 3.11+); callers that expect it to wait indefinitely must handle it."
    )
    commit_subject = "bound {sites} LLM calls with a timeout"

    def __init__(self, options: Mapping[str, object] | None = None) -> None:
        super().__init__(options)
        self.patterns = frozenset(self.settings["patterns"])
        # "app.llm.client" -> origin: module-level clients, for choosing candidate files
        self.imported_clients: dict[str, ClientOrigin] = {}
        self.calls: dict[str, _FileCalls] = {}  # relpath -> what the model says of its calls
        self.unreadable: set[str] = set()  # candidates that do not parse: `rewrite` reports them
        self._candidates: list[SourceFile] | None = None
        # one bound per project: the module every changed file imports the constant from, how
        # each of them spells it, and the module's text when the run creates it
        self.shared_module = ""
        self.shared_imports: dict[str, str] = {}  # relpath -> "module:LLM_TIMEOUT_SECONDS"
        self.shared_file: NewFile | None = None
        # project-wide settings of an LLM library that bound its calls: (package, setting) -> where
        # the project sets it ("app/llm.py:12"), e.g. `litellm.request_timeout = 60`
        self.library_settings: dict[tuple[str, str], str] = {}
        timeout, where = self.settings["timeout"], self.settings["timeout_import"]
        if where and not timeout:
            raise ConfigError("timeouts: option 'timeout_import' needs option 'timeout'")
        if where and _import_binding(where) not in _free_names(cst.parse_expression(timeout)):
            raise ConfigError(
                f"timeouts: timeout_import `{where}` binds `{_import_binding(where)}`, "
                f"which the timeout expression `{timeout}` does not use"
            )

    # -- phases -------------------------------------------------------------------------------

    def plan(self, project: Project) -> None:
        """Ask the semantic model what every call of interest in the candidate files is: an LLM
        call (of which client, built with which time limit), or nothing to do with one."""
        mapped = project.map(self.module_level_clients, project.files_containing(*self.triggers))
        self.imported_clients = {name: origin for item in mapped for name, origin in item.value.items()}
        for name, origin in list(self.imported_clients.items()):  # as other modules may spell it
            module, _, variable = name.rpartition(".")
            defining = project.find_module(module)
            for alias in project.names_of(defining) if defining is not None else []:
                self.imported_clients.setdefault(f"{alias}.{variable}", origin)
        model = project.model()
        names = CALL_NAMES | {pattern.rsplit(".", 1)[-1] for pattern in self.patterns}
        self.calls = {}
        self.unreadable = set()
        self._candidates = None
        self._candidates = self.candidates(project)
        for source in self._candidates:
            try:
                if not self._may_hold_llm_calls(source):
                    continue
                found = _CallClassifier(model, source, self.patterns, project.root).survey(names)
            except SourceError:
                self.unreadable.add(source.relpath)  # reported once, by `rewrite`
                continue
            if found.llm_calls:
                self.calls[source.relpath] = found
        self._share_the_bound(project)
        self.library_settings = _library_settings(project, model) if self.calls else {}

    def _share_the_bound(self, project: Project) -> None:
        """Where several modules of one package get the default bound, they import one constant
        (from a module that already defines it and imports nothing of the project, else from a
        new `<package>/llm_timeouts.py`) instead of each defining its own copy."""
        self.shared_module, self.shared_imports, self.shared_file = "", {}, None
        if self.settings["timeout"]:
            return  # the user's expression wins
        needing = [
            source
            for relpath in sorted(self.calls)
            if (source := project.find_file(relpath)) is not None
            and "." in source.module
            and not _defines_constant(source)
        ]
        packages = Counter(source.module.split(".")[0] for source in needing)
        if not packages:
            return
        package, count = min(packages.items(), key=lambda item: (-item[1], item[0]))
        if count < 2:
            return
        members = [source for source in needing if source.module.split(".")[0] == package]
        module = self._constant_module(project, package)
        if not module:
            return
        self.shared_module = module
        for source in members:
            self.shared_imports[source.relpath] = f"{project.import_name(source, module)}:{TIMEOUT_CONSTANT}"

    def _constant_module(self, project: Project, package: str) -> str:
        """A module of `package` that defines the constant and imports nothing of the project
        (so importing it cannot make a cycle), else a new one; "" when the new name is taken."""
        for source in project.files_containing(TIMEOUT_CONSTANT.encode()):
            if source.module.split(".")[0] == package and _defines_constant(source):
                if source.relpath not in self.calls and not _imports_project(source, project):
                    return source.module
        module = f"{package}.{SHARED_MODULE}"
        if project.find_module(module) is not None:
            return ""
        seconds = float(self.settings["default_seconds"])
        relpath = project.relpath_for(project.path_for_module(module))
        self.shared_file = NewFile(relpath, SHARED_MODULE_TEXT.format(name=TIMEOUT_CONSTANT, seconds=seconds))
        return module

    def new_files(self, project: Project) -> list[NewFile]:
        """The shared constant's module, when a rewritten file imports it."""
        if self.shared_file is None:
            return []
        imported = f"{SHARED_MODULE} import {TIMEOUT_CONSTANT}".encode()
        rewritten = (project.find_file(relpath) for relpath in self.shared_imports)
        return [self.shared_file] if any(s is not None and imported in s.data for s in rewritten) else []

    def candidates(self, project: Project) -> list[SourceFile]:
        if self._candidates is not None:
            return self._candidates  # chosen by `plan` a moment ago
        needles = [*self.triggers, *(pattern.rsplit(".", 1)[-1].encode() for pattern in self.patterns)]
        chosen = {source.relpath: source for source in project.files_containing(*needles)}
        for source in self._files_naming_clients(project):
            chosen.setdefault(source.relpath, source)
        # An LLM call's name appears as a word (a call, or an import under an alias): a byte-level
        # filter, not a decision, that spares `ast` the files that merely mention a library.
        names = sorted(CALL_NAMES | {pattern.rsplit(".", 1)[-1] for pattern in self.patterns})
        word = re.compile(rb"\b(?:" + b"|".join(re.escape(name.encode()) for name in names) + rb")\b")
        return sorted((s for s in chosen.values() if word.search(s.data)), key=lambda source: source.relpath)

    def _files_naming_clients(self, project: Project) -> list[SourceFile]:
        """Files whose bytes hold a module-level client's variable and its module's last name. One
        scan of each file for any of the variables (a file without one, most of them, is read once
        instead of once per client), then the exact test on the few that hold one."""
        pairs = [
            (variable.encode(), module.rsplit(".", 1)[-1].encode())
            for module, _, variable in (qualified.rpartition(".") for qualified in self.imported_clients)
        ]
        if not pairs:
            return []
        any_variable = re.compile(b"|".join(re.escape(variable) for variable in {v for v, _ in pairs}))
        return [
            source
            for source in project.files
            if any_variable.search(source.data)
            and any(variable in source.data and tail in source.data for variable, tail in pairs)
        ]

    def module_level_clients(self, source: SourceFile) -> dict[str, ClientOrigin]:
        """`{"pkg.module.name": origin}` for module-level `name = <client constructor>(...)`, also
        in the branches of a module-level `if`/`try` (a client built one way behind a proxy and
        another way without): the files importing one are candidates."""
        if not source.module:
            return {}
        try:
            facts = module_facts(source)
        except SourceError:
            return {}  # reported once, by `rewrite`
        found: dict[str, list[ClientOrigin]] = {}
        for node in top_level_statements(source.ast.body):
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if not isinstance(value, ast.Call) or (callee := dotted_name(value.func)) is None:
                continue
            head, _, rest = callee.partition(".")
            defined_here = f"{source.module}.{head}" if head in facts.classes else head
            constructor = facts.imports.get(head, defined_here) + (f".{rest}" if rest else "")
            if not is_tracked_constructor(constructor, self.patterns):
                continue
            is_none = [isinstance(k.value, ast.Constant) and k.value.value is None for k in value.keywords]
            origin = ClientOrigin(constructor, limit_of(zip((k.arg for k in value.keywords), is_none)))
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[union-attr]
            for target in targets:
                if isinstance(target, ast.Name):
                    found.setdefault(f"{source.module}.{target.id}", []).append(origin)
        return {name: _merge(origins) or origins[0] for name, origins in found.items()}

    def rewrite(self, source: SourceFile) -> FileRewrite | None:
        if source.relpath in self.unreadable:
            source.ast  # noqa: B018  # raises: the file is reported as failed, not passed over
        if source.relpath not in self.calls:
            return None
        wrapper = source.metadata()
        file_edit = _FileEdit(wrapper, source, self)
        return file_edit.run()

    def _may_hold_llm_calls(self, source: SourceFile) -> bool:
        """Cheap `ast` pre-check before LibCST: an LLM call needs a call (or an import: aliases hide
        names) of a name LLM calls have, and an import from an LLM library, from a module named by
        `patterns`, or of a client defined in another module of the project."""
        names = CALL_NAMES | {pattern.rsplit(".", 1)[-1] for pattern in self.patterns}
        project_names = self.patterns | set(self.imported_clients)
        has_call_name = False
        has_llm_import = (
            any(name.startswith(f"{source.module}.") for name in project_names) if source.module else False
        )
        for node in walk_ast(source.ast):
            if isinstance(node, ast.Call):
                callee = node.func
                name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", None)
                has_call_name = has_call_name or name in names
            elif isinstance(node, ast.Attribute):
                # `instructor.patch(create=client.messages.create)`: a request method handed on
                has_call_name = has_call_name or node.attr in names
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                has_call_name = has_call_name or any(
                    alias.name.rsplit(".", 1)[-1] in names for alias in node.names
                )
                has_llm_import = has_llm_import or any(
                    _names_llm_source(imported, project_names) for imported in _imported_names(node, source)
                )
            if has_call_name and has_llm_import:
                return True
        return False


def _imported_names(node: ast.Import | ast.ImportFrom, source: SourceFile) -> list[str]:
    """Absolute dotted names an import statement brings in (`from a import b` -> 'a.b')."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = resolve_relative(source.module, source.is_package, node.level, node.module)
    return [f"{base}.{alias.name}" if base else alias.name for alias in node.names]


def _names_llm_source(imported: str, project_names: Iterable[str]) -> bool:
    """Whether an imported name is (or leads to) an LLM library or a project name LLM calls use."""
    root = imported.split(".", 1)[0]
    if root in LLM_PACKAGES or root.startswith("langchain"):
        return True
    return any(name == imported or name.startswith(f"{imported}.") for name in project_names)


SHARED_MODULE = "llm_timeouts"
SHARED_MODULE_TEXT = (
    '"""The time limit of every LLM call of the application (added by fixit\'s `timeouts`)."""\n'
    "\n"
    "{name} = {seconds!r}\n"
)


def _defines_constant(source: SourceFile) -> bool:
    """The module assigns the timeout constant at its top level."""
    try:
        body = source.ast.body
    except SourceError:
        return False
    for statement in body:
        targets = statement.targets if isinstance(statement, ast.Assign) else (
            [statement.target] if isinstance(statement, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == TIMEOUT_CONSTANT for t in targets):
            return True
    return False


def _imports_project(source: SourceFile, project: Project) -> bool:
    """Whether the module imports any module of the project (an import cycle could follow)."""
    packages = set(project.packages())
    for node in walk_ast(source.ast):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in packages for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in packages):
            return True
    return False


def _import_binding(where: str) -> str:
    """The name `timeout_import` binds: `app.config:settings` -> settings, `app.config` -> app."""
    module, _, name = where.partition(":")
    return name or module.split(".")[0]


# -- what each call is: asked of the semantic model (main process) ------------------------------

MAX_FORWARDING_DEPTH = 4  # functions handing `**kwargs` down to the LLM call, followed upwards


def _sets_items_of(node: ast.AST, name: str) -> bool:
    """`name[key] = v` with a key that may be "timeout", or `name.update(...)`/`setdefault(...)`."""
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == name:
                key = target.slice
                if not isinstance(key, ast.Constant) or key.value == "timeout":
                    return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        receiver = node.func.value
        return isinstance(receiver, ast.Name) and receiver.id == name and node.func.attr in ("update", "setdefault")
    return False


def _values_assigned(function: AnyFunction, name: str) -> list[ast.expr]:
    """Every value `name` is assigned in the function's own body; empty when it is also bound in
    another way (augmented, a loop target, `with ... as`), which the caller's check must refuse."""
    values: list[ast.expr] = []
    for node in walk_ast(function):
        if _sets_items_of(node, name):
            return []
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            values.append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            if node.value is None:
                continue
            values.append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.withitem, ast.NamedExpr)):
            targets = [getattr(node, "target", None), getattr(node, "optional_vars", None)]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return []
    return values


@dataclass(frozen=True)
class _LlmCall:
    kind: CallKind
    label: str  # for messages: "AsyncOpenAI.chat.completions.create", "litellm.acompletion"
    origin: ClientOrigin | None
    framework: str = ""  # a third-party base of the class the call is made in (an adapter of it)
    # `**kwargs` spreads of the function's own keyword parameter that every caller in the project
    # fills from configuration (`{**self.llm_args, **kwargs}`, `**self.options`), never a timeout
    configured_spreads: frozenset[str] = frozenset()


# A call, as both trees locate it: the line and the column (in characters) where its callee starts.
CallKey = tuple[int, int]


@dataclass
class _FileCalls:
    """What the model says about the calls of one file (picklable: it travels to the rewrite)."""

    llm_calls: dict[CallKey, _LlmCall] = field(default_factory=dict)
    task_groups: set[CallKey] = field(default_factory=set)  # `tg.create_task(...)` on an asyncio.TaskGroup
    last_names: set[str] = field(default_factory=set)  # callee names of those calls, for the rewrite's survey
    script: bool = False  # a command-line script outside the project's packages


class _CallClassifier:
    """Which calls of one module are LLM calls, and on what client, by asking the semantic model
    what each callee names and what each receiver holds (every branch, every module)."""

    def __init__(self, model: SemanticModel, source: SourceFile, patterns: frozenset[str], root: Path) -> None:
        self.model = model
        self.root = root  # the project's folder: a script is a module outside every package below it
        self.source = source
        self.module = source.module
        self.patterns = patterns
        self.lines = re.split("\r\n|\r|\n", source.text)

    def survey(self, names: frozenset[str]) -> _FileCalls:
        found = _FileCalls(script=is_script(self.source, self.root))
        # `create = client.chat.completions.create`: a request method taken without calling it
        holds_methods = re.search(
            rf"\.(?:{'|'.join(map(re.escape, sorted(names)))})\b(?!\s*\()", self.source.text
        ) is not None if names else False
        for node in walk_ast(self.source.ast):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            last = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", None)
            if last == "create_task" and isinstance(callee, ast.Attribute):
                origin = self.origin_of(callee.value, node.lineno)
                if origin is not None and origin.constructor == TASK_GROUP:
                    found.task_groups.add(self.key(node))
            if last in names or self._alias_of_interest(node, names):
                llm_call = self.llm_call(node)
            elif holds_methods and isinstance(callee, (ast.Name, ast.Attribute)):
                llm_call = self._bound_method_call(node)
            else:
                llm_call = None
            if llm_call is not None:
                found.llm_calls[self.key(node)] = llm_call
                found.last_names.add(last or "")
        return found

    def key(self, call: ast.Call) -> CallKey:
        func = call.func
        line = self.lines[func.lineno - 1]
        return func.lineno, len(line.encode()[: func.col_offset].decode(errors="replace"))

    def _alias_of_interest(self, call: ast.Call, names: frozenset[str]) -> bool:
        """`from litellm import acompletion as complete`: the callee's name hides what it is."""
        if not isinstance(call.func, ast.Name):
            return False
        return self.model.resolve(self.module, call.func.id, call.lineno).rsplit(".", 1)[-1] in names

    def llm_call(self, call: ast.Call) -> _LlmCall | None:
        found = self._llm_call(call)
        if found is None:
            return None
        _, cls = self.model.enclosing(self.module, call.lineno)
        framework = next(iter(self.model.external_bases(cls.qualified)), "") if cls is not None else ""
        return replace(found, framework=framework, configured_spreads=self.configured_spreads(call))

    def configured_spreads(self, call: ast.Call) -> frozenset[str]:
        """The call's `**kwargs` when it is its function's own keyword parameter and every caller
        the model finds passes configuration into it (no `timeout=`): the call is bounded here
        like a call spreading that configuration itself."""
        function, _ = self.model.enclosing(self.module, call.lineno)
        own = function.args.kwarg.arg if function is not None and function.args.kwarg else None
        spreads = {k.value.id for k in call.keywords if k.arg is None and isinstance(k.value, ast.Name)}
        if own is None or own not in spreads or function is None:
            return frozenset()
        qualified = self.model.qualified_name(self.module, function)
        return frozenset({own}) if self._callers_pass_configuration(qualified, 0) else frozenset()

    def _callers_pass_configuration(self, qualified: str, depth: int) -> bool:
        callers = self.model.callers(qualified) if qualified and depth < MAX_FORWARDING_DEPTH else None
        if not callers:  # no caller the model can see, or one it cannot follow
            return False
        for site in callers:
            for keyword in site.call.keywords:
                if keyword.arg == "timeout":
                    return False
                if keyword.arg is None and not self._configuration(site, keyword.value, depth):
                    return False
        return True

    def _configuration(self, site: CallerSite, value: ast.expr, depth: int) -> bool:
        """Whether a caller's `**value` is configuration: an attribute (`**self.options`), the
        caller's own keyword parameter filled the same way, or a dict literal built from those
        (`merged = {**self.llm_args, **kwargs}`) with no `timeout` key."""
        if isinstance(value, ast.Attribute):
            return True
        function = site.function
        if isinstance(value, ast.Dict):
            # `{**self.llm_args, **kwargs}`: configuration merged with the caller's own keywords,
            # which the call is bounded with wherever that merge is spread (see _unreadable_spread)
            merges_configuration = any(k is None and isinstance(v, ast.Attribute) for k, v in zip(value.keys, value.values))
            own = function.args.kwarg.arg if function is not None and function.args.kwarg else None
            return all(
                (merges_configuration and isinstance(item, ast.Name) and item.id == own)
                or self._configuration(site, item, depth)
                if key is None
                else not (isinstance(key, ast.Constant) and key.value == "timeout")
                for key, item in zip(value.keys, value.values)
            )
        if not isinstance(value, ast.Name) or function is None:
            return False
        if function.args.kwarg is not None and value.id == function.args.kwarg.arg:
            return self._callers_pass_configuration(site.function_qualified, depth + 1)
        assigned = _values_assigned(function, value.id)
        return bool(assigned) and all(
            isinstance(item, ast.Dict) and self._configuration(site, item, depth) for item in assigned
        )

    def _llm_call(self, call: ast.Call) -> _LlmCall | None:
        written = dotted_name(call.func)
        if written is not None:
            qualified = self.model.resolve(self.module, written, call.lineno)
            kind = classify_function(qualified, self.patterns)
            if kind is not None:
                return _LlmCall(kind, qualified, None)
        chain = _ast_attribute_chain(call.func)
        for index, receiver in enumerate(chain[:-1]):
            origin = self.origin_of(receiver, call.lineno)
            if origin is None:
                continue
            path = [node.attr for node in chain[index + 1 :] if isinstance(node, ast.Attribute)]
            kind = classify_method(origin.constructor, path, self.patterns)
            label = ".".join([origin.constructor.rsplit(".", 1)[-1], *path])
            return _LlmCall(kind, label, origin) if kind is not None else None
        return (
            self._instructor_call(call, chain)
            or self._call_on_mixed_clients(call, chain)
            or self._bound_method_call(call)
        )

    def _bound_method_call(self, call: ast.Call) -> _LlmCall | None:
        """`create = client.chat.completions.create` (or `instructor.patch(create=...)`) then
        `await create(...)`: the callee holds a client's request method."""
        found = []
        for value in self.model.values(self.module, call.func, call.lineno):
            constructor, separator, path = value.name.partition("().")
            if value.kind != "external" or value.called or not separator:
                return None
            if not is_tracked_constructor(constructor, self.patterns):
                return None
            kind = classify_method(constructor, path.split("."), self.patterns)
            if kind is None:
                return None
            limit = limit_of((keyword, keyword in value.none_keywords) for keyword in value.keywords)
            found.append((kind, constructor, path, limit))
        if len({(kind, constructor, path) for kind, constructor, path, _ in found}) != 1:
            return None
        kind, constructor, path, _ = found[0]
        limit = _merge([ClientOrigin(constructor, limit) for *_, limit in found])
        label = f"{constructor.rsplit('.', 1)[-1]}.{path}"
        return _LlmCall(kind, label, limit)

    def _call_on_mixed_clients(self, call: ast.Call, chain: list[ast.expr]) -> _LlmCall | None:
        """`self.aclient` built as an SDK client in one branch and as an instructor client around
        litellm in another: an LLM call when the request is one for every client it may hold, of
        one kind (all async); bounded unless every branch's client has a time limit."""
        for index, receiver in enumerate(chain[:-1]):
            path = [node.attr for node in chain[index + 1 :] if isinstance(node, ast.Attribute)]
            values = [
                v
                for v in self.model.values(self.module, receiver, call.lineno)
                if not (v.kind == "instance" and v.name == "None") and not v.declared
            ]
            # a method held as a value (`instructor.patch(create=llm.create_chat_completion)`) has no
            # `.chat` to call through: in that branch this line fails with AttributeError before any
            # request, wrapped or not; the call is made on the other branches' clients
            possible = [value for value in values if not _is_method_reference(value)]
            found = [self._request_on(value, path) for value in possible]
            if len(found) < (1 if len(possible) < len(values) else 2) or any(f is None for f in found):
                continue
            kinds = {kind for kind, _, _ in found}  # type: ignore[misc]
            if len(kinds) != 1:
                return None
            origins = [ClientOrigin(name, limit) for _, name, limit in found]  # type: ignore[misc]
            limits = {origin.limit for origin in origins}
            limit = (
                Limit.DISABLED if Limit.DISABLED in limits else Limit.SET if limits == {Limit.SET} else Limit.ABSENT
            )
            names = sorted({origin.constructor.rsplit(".", 1)[-1] for origin in origins})
            label = f"{' or '.join(names)} ({'.'.join(path)})"
            return _LlmCall(kinds.pop(), label, ClientOrigin(" or ".join(names), limit))
        return None

    def _request_on(self, value: Value, path: list[str]) -> tuple[CallKind, str, Limit] | None:
        """(kind, client, its time limit) of calling `path` on one value a receiver may hold."""
        constructor = self._tracked_constructor(value)
        if constructor is not None:
            kind = classify_method(constructor, path, self.patterns)
            limit = limit_of((keyword, keyword in value.none_keywords) for keyword in value.keywords)
            return (kind, constructor, limit) if kind is not None else None
        if value.kind == "external" and not value.called and ".".join(path) in INSTRUCTOR_REQUESTS:
            kind = classify_function(value.name, frozenset())
            return (kind, f"instructor({value.name.rsplit('.', 1)[-1]})", Limit.ABSENT) if kind else None
        return None

    def _instructor_call(self, call: ast.Call, chain: list[ast.expr]) -> _LlmCall | None:
        """`instructor.from_litellm(litellm.acompletion)` then `client.chat.completions.create(...)`:
        the model sees through the wrapper to the litellm function it calls."""
        for index, receiver in enumerate(chain[:-1]):
            path = ".".join(node.attr for node in chain[index + 1 :] if isinstance(node, ast.Attribute))
            if path not in INSTRUCTOR_REQUESTS:
                continue
            values = [
                v
                for v in self.model.values(self.module, receiver, call.lineno)
                if not (v.kind == "instance" and v.name == "None")
            ]
            kinds = {classify_function(v.name, frozenset()) if v.kind == "external" and not v.called else None for v in values}
            if len(kinds) == 1 and None not in kinds:
                function = values[0].name
                kind = kinds.pop()
                assert kind is not None
                return _LlmCall(kind, f"instructor({function.rsplit('.', 1)[-1]}).{path}", ClientOrigin(function))
        return None

    def origin_of(self, receiver: ast.expr, line: int) -> ClientOrigin | None:
        """The client `receiver` holds: known only when every value the model finds for it (None
        aside) is a client of the same constructor."""
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute):
            if receiver.func.attr in RECONFIGURING_METHODS:
                base = self.origin_of(receiver.func.value, line)
                if base is not None:
                    own = _ast_limit(receiver)
                    return ClientOrigin(base.constructor, base.limit if own is Limit.ABSENT else own)
        values = [
            value
            for value in self.model.values(self.module, receiver, line)
            # `self.client = None` until set up: the other values say what it holds
            if not (value.kind == "instance" and value.name == "None")
        ]
        # an annotation says which client, an assignment also how it was built: where both are
        # known for one constructor, the assignments' time limits count
        built = {self._tracked_constructor(value) for value in values if not value.declared}
        values = [v for v in values if not (v.declared and self._tracked_constructor(v) in built)]
        origins: list[ClientOrigin | None] = []
        for value in values:
            constructor = self._tracked_constructor(value)
            limit = limit_of((keyword, keyword in value.none_keywords) for keyword in value.keywords)
            origins.append(ClientOrigin(constructor, limit) if constructor else None)
        return _merge(origins)

    def _tracked_constructor(self, value: Value) -> str | None:
        if value.kind == "external" and value.called and is_tracked_constructor(value.name, self.patterns):
            return value.name
        if value.kind == "instance" and is_tracked_constructor(value.name, self.patterns):
            return value.name
        if value.kind == "instance":
            # a project class deriving from a client class builds that client
            for cls in self.model.mro(value.name):
                for base in self.model.bases(cls):
                    if is_tracked_constructor(base, self.patterns):
                        return base
        return None


def is_script(source: SourceFile, root: Path) -> bool:
    """A module run as a command (`if __name__ == "__main__":`) from a folder outside every package
    of the project (`tools/`, `scripts/`): not part of the application. A module below a package
    (`app/agents/runtime.py` in a namespace folder of `app/`) is the application's."""
    folder = source.path.parent
    while True:
        if (folder / "__init__.py").exists():
            return False
        if folder == root or folder.parent == folder or root not in folder.parents:
            break
        folder = folder.parent
    return any(
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and dotted_name(node.test.left) == "__name__"
        for node in source.ast.body
    )


def _merge(origins: Sequence[ClientOrigin | None]) -> ClientOrigin | None:
    """One origin for an object bound in several places: known only if every place agrees."""
    if not origins or any(origin is None for origin in origins):
        return None
    constructors = {origin.constructor for origin in origins if origin}
    if len(constructors) != 1:
        return None
    limits = {origin.limit for origin in origins if origin}
    limit = (
        Limit.DISABLED
        if Limit.DISABLED in limits
        else Limit.SET
        if limits == {Limit.SET}
        else Limit.ABSENT
    )
    return ClientOrigin(constructors.pop(), limit)


def _ast_limit(call: ast.Call) -> Limit:
    return limit_of(
        (k.arg, isinstance(k.value, ast.Constant) and k.value.value is None) for k in call.keywords
    )


def _ast_attribute_chain(node: ast.expr) -> list[ast.expr]:
    """`a.b.c` -> [a, a.b, a.b.c]: the receivers a method path may hang off, shortest first."""
    chain: list[ast.expr] = [node]
    while isinstance(node, ast.Attribute):
        node = node.value
        chain.append(node)
    return chain[::-1]


def import_target(assignment: BaseAssignment, source: SourceFile) -> str | None:
    """The absolute dotted name an import binding stands for (`import a.b` binds `a` -> 'a'): used
    to check that a name the rewrite adds (`asyncio`, the timeout's name) means what it intends."""
    if not isinstance(assignment, ImportAssignment):
        return None
    node = assignment.node
    if not isinstance(node, (cst.Import, cst.ImportFrom)) or isinstance(node.names, cst.ImportStar):
        return None
    for alias in node.names:
        full = alias.evaluated_name
        bound = alias.evaluated_alias or (full if isinstance(node, cst.ImportFrom) else full.split(".")[0])
        if bound != assignment.name:
            continue
        if isinstance(node, cst.Import):
            return full if alias.asname else bound
        base = dotted(node.module) if node.module else ""
        module = resolve_relative(source.module, source.is_package, len(node.relative), base or None)
        return f"{module}.{full}" if module else full
    return None


# -- deciding, per call --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    """A name the rewritten code reads, and which bindings of it mean what we intend."""

    name: str
    global_bindings: frozenset[BaseAssignment]  # empty: the name is added (an import or the constant)
    import_target: str | None = None  # a local import of this target is as good as the global binding
    conflict: str = ""  # non-empty: the name cannot be used in this module, and why


@dataclass(frozen=True)
class _Reference:
    """How the rewritten code reaches one asyncio function here: `asyncio.wait_for`, `aio.wait_for`
    (after `import asyncio as aio`) or `wait_for` (after `from asyncio import wait_for`)."""

    text: str
    binding: _Name

    @property
    def adds_import(self) -> bool:
        return not self.binding.global_bindings


@dataclass
class _Plan:
    # calls to put inside wait_for -> None (keep on one line) or the indentation of the call's line
    # relative to its statement (to lay a one-line call out one argument a line inside the wrapper)
    wraps: dict[cst.Call, str | None] = field(default_factory=dict)
    blocks: set[cst.SimpleStatementLine] = field(default_factory=set)  # statements to put in a timeout block
    needs_asyncio_import: bool = False
    sites: list[Site] = field(default_factory=list)


class _FileEdit:
    """One file: find the LLM calls, decide what to do with each, rewrite, add what is missing."""

    def __init__(self, wrapper: MetadataWrapper, source: SourceFile, transform: TimeoutsTransform) -> None:
        self.wrapper = wrapper
        self.source = source
        self.settings = transform.settings
        self.patterns = transform.patterns
        self.known = transform.calls[source.relpath]  # what the semantic model said in `plan`
        self.library_settings = transform.library_settings
        # this module's own bindings, to name what wraps a call (`asyncio.wait_for`, `anyio.fail_after`)
        self.names = ProjectIndex([module_facts(source)])
        # scopes only check that a name the rewrite adds (`asyncio`, the timeout) means what it should
        self.scopes = wrapper.resolve(ScopeProvider)
        self.lines = source.text.splitlines()
        self.global_scope = self.scopes.get(wrapper.module)
        names = frozenset(self.known.last_names | {"create_task"})
        survey = _Survey(names)
        # a call the survey keeps spells its callee's last name on a line of its statement
        visit_near(wrapper.module, survey, source.lines, lines_naming(source.text, names))
        self.parents = survey.parents
        self.calls = survey.calls
        self.plan = _Plan()
        self._dict_walks: dict[tuple[int, str, bool], _DictItems] = {}  # see `_dict_items`
        self.wait_for = self._asyncio_reference("wait_for")
        self.timeout_block = (
            self._asyncio_reference("timeout") if self.settings["style"] == "timeout" else None
        )
        # the bound: the user's expression, else the project's shared constant, else this module's own
        self.timeout_expression: str = self.settings["timeout"]
        self.timeout_where: str = self.settings["timeout_import"]
        shared = transform.shared_imports.get(source.relpath)
        if not self.timeout_expression and shared and not self._global_bindings(TIMEOUT_CONSTANT):
            self.timeout_expression, self.timeout_where = TIMEOUT_CONSTANT, shared
        self.timeout_names = self._timeout_names()

    def _key(self, call: cst.Call) -> CallKey:
        start = self.positions[call.func].start
        return start.line, start.column

    def _names_any(self, node: cst.CSTNode, wanted: frozenset[str]) -> str | None:
        """The qualified name `node` (a dotted name) has here, if it is one of `wanted`."""
        written = dotted(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
        if written is None:
            return None
        qualified = self.names.resolve(self.source.module, written, self.positions[node].start.line)
        return qualified if qualified in wanted else None

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """Computed only for files with a site: it costs a code generation pass."""
        return self.source.lines.positions  # shared with every other reader of this tree

    # -- orchestration

    def run(self) -> FileRewrite | None:
        module = self.wrapper.module
        for call in self.calls:
            self._decide(call)
        if not self.plan.sites:
            return None
        if not self.plan.wraps and not self.plan.blocks:
            return FileRewrite(None, self.plan.sites)
        timeout = cst.parse_expression(self._timeout_text())
        block_callee = cst.parse_expression(self.timeout_block.text) if self.timeout_block else None
        rewriter = _Rewriter(self.plan, cst.parse_expression(self.wait_for.text), block_callee, timeout)
        # only the statements holding a wrapped call or a blocked line are visited inside
        near = [self.positions[node].start.line for node in [*self.plan.wraps, *self.plan.blocks]]
        rewritten = self._add_missing_definitions(visit_near(module, rewriter, self.source.lines, near))
        return FileRewrite(self.source.code_of(rewritten), self.plan.sites)

    def _site(self, call: cst.Call, action: Action, message: str) -> None:
        start = self.positions[call].start
        self.plan.sites.append(Site(start.line, start.column, action, message))

    def _decide(self, call: cst.Call) -> None:
        llm_call = self._llm_call(call)
        if llm_call is None:
            return
        verdict = self._leave_alone(call, llm_call)
        if verdict is not None:
            self._site(call, *verdict)
            return
        statement = self._whole_statement(call) if self.timeout_block else None
        reference = self.timeout_block if statement is not None and self.timeout_block else self.wait_for
        problem = self._names_problem(call, reference)
        if problem:
            self._site(call, Action.REVIEW, f"{llm_call.label} not bounded: {problem}")
            return
        self.plan.needs_asyncio_import |= reference.adds_import
        if statement is not None:
            self.plan.blocks.add(statement)
            how = f"async with {reference.text}({self._timeout_text()})"
        else:
            self.plan.wraps[call] = self._layout(call, reference)
            how = f"{reference.text}(..., timeout={self._timeout_text()})"
        self._site(call, Action.CHANGED, f"{llm_call.label} bounded with {how}")

    def _llm_call(self, call: cst.Call) -> _LlmCall | None:
        return self.known.llm_calls.get(self._key(call))

    def _leave_alone(self, call: cst.Call, llm_call: _LlmCall) -> tuple[Action, str] | None:
        """Why this call must not be wrapped, as (action, message); None when it may be."""
        label = llm_call.label
        bound = self._bounded_by(call)
        if bound:
            return Action.SKIPPED, f"{label} already bounded by {bound}"
        spread = self._spread_keywords(call)
        # an unreadable spread still shows some keys (`{"stream": True, "timeout": t, **kwargs}`)
        shown = spread if spread is not None else self._spread_keywords(call, partial=True)
        keywords = call_keywords(call) + (shown or [])
        own_limit = call_limit(keywords)
        client_limit = llm_call.origin.limit if llm_call.origin is not None else Limit.ABSENT
        if own_limit is Limit.SET:
            return Action.SKIPPED, f"{label} passes its own timeout"
        if own_limit is Limit.DISABLED:
            return Action.REVIEW, f"{label} passes timeout=None, which turns the limit off: is that meant?"
        if client_limit is Limit.SET:
            return Action.SKIPPED, f"{label}: the client is constructed with a timeout"
        if client_limit is Limit.DISABLED:
            return (
                Action.REVIEW,
                f"{label}: the client is constructed with timeout=None (no limit): is that meant?",
            )
        library = self._library_setting(llm_call)
        if library is not None and library[0] is Action.SKIPPED:
            return library
        if llm_call.kind is CallKind.STREAM or _is_streaming(keywords):
            return Action.REVIEW, (
                f"{label} streams: a bound on the call does not bound reading the stream; "
                "bound the whole consumption (e.g. async with asyncio.timeout)"
            )
        if spread is None:
            unread = self._unreadable_spread(call, llm_call)
            if unread:
                return Action.REVIEW, unread
        if library is not None:  # a shared session: the reasons above are the more specific
            return library
        if llm_call.kind is CallKind.SYNC:
            return Action.REVIEW, (
                f"{label} is synchronous: asyncio.wait_for cannot interrupt it; "
                "pass timeout= to the client or to the call"
            )
        if not self._is_awaited(call) and not self._is_scheduled(call):
            if llm_call.kind is CallKind.PATTERN:
                return Action.REVIEW, (
                    f"{label} is not awaited here: if it is synchronous, asyncio.wait_for cannot bound it; "
                    "if its coroutine is stored or returned, bound it where it is awaited"
                )
            return Action.REVIEW, (
                f"{label} is not awaited where it is made (its coroutine is stored or returned): "
                "bound it where it is awaited"
            )
        if self.known.script:
            return Action.REVIEW, (
                f"{label} is in a command-line script outside the project's packages: a person runs it "
                "and can stop it, and a bound could cut a long generation short; bound it if it runs "
                "unattended"
            )
        return None

    def _library_setting(self, llm_call: _LlmCall) -> tuple[Action, str] | None:
        """A project-wide setting of the call's library that bounds it: `litellm.request_timeout`
        (skip), or a shared HTTP session (`litellm.aclient_session`) whose own timeout applies while
        it is set (review)."""
        name = llm_call.origin.constructor if llm_call.origin is not None else llm_call.label
        package = name.split(".")[0] if "." in name and " or " not in name else ""
        for setting, action in LIBRARY_BOUNDS.get(package, ()):
            where = self.library_settings.get((package, setting))
            if where is None:
                continue
            if action is Action.SKIPPED:
                return action, f"{llm_call.label} already bounded by {package}.{setting} (set at {where})"
            return action, (
                f"{llm_call.label} runs through {package}.{setting}, set at {where}: that shared client's "
                "timeout bounds it while it is set; bound the call here only if that is not the limit wanted"
            )
        return None

    # -- the call's surroundings

    def _spread_keywords(self, call: cst.Call, partial: bool = False) -> Keywords | None:
        """The keywords `**spread`s pass, where each dict is one the code shows: `**{...}`, or a
        name the function binds only to `{...}`/`dict(...)` literals and sets items of by key.
        None when a spread cannot be read (a parameter, a call, a merged dict): it may carry a
        timeout the caller chose."""
        found: Keywords = []
        for arg in call.args:
            if arg.star != "**":
                continue
            items = _literal_items(arg.value, partial)
            if items is None and isinstance(arg.value, cst.Name):
                items = self._items_bound_to(call, arg.value.value, partial)
            if items is None and partial:
                continue
            if items is None:
                return None
            found += items
        return found

    def _unreadable_spread(self, call: cst.Call, llm_call: _LlmCall) -> str:
        """Why a spread the code does not show leaves the call for review; '' when it is wrapped
        anyway. `asyncio.wait_for` bounds the call from outside, so a `timeout` inside the dict
        cannot clash with it: a merged configuration dict (`{**self.llm_args, **kwargs}`) or an
        attribute (`**self.options`) is wrapped. Left for review: a function that forwards its
        caller's keyword arguments (the caller may pass the timeout, and owns the bound), a dict a
        call returns (it may hold the timeout), a method of an adapter for a third-party framework
        (LangChain's `BaseChatModel._agenerate`: the framework's caller owns the bound)."""
        label = llm_call.label
        function = self._function_of(call)
        parameters = {param.name.value for param in _all_params(function.params)} if function else set()
        for arg in call.args:
            if arg.star != "**" or _literal_items(arg.value) is not None:
                continue
            if isinstance(arg.value, cst.Name) and arg.value.value in llm_call.configured_spreads:
                continue  # every caller fills it from configuration
            if isinstance(arg.value, cst.Name) and arg.value.value in parameters:
                return (
                    f"{label} forwards its caller's keyword arguments (**{arg.value.value}), which may "
                    "carry a timeout: bound it where it is called"
                )
            if isinstance(arg.value, cst.Call):
                return f"{label} spreads the dict a call returns, which may carry a timeout"
            if isinstance(arg.value, cst.Name) and self._bound_to_a_call(call, arg.value.value):
                return (
                    f"{label} spreads **{arg.value.value}, the dict a call returns that was handed `stream=` "
                    "or a timeout: the request may stream or carry its own limit"
                )
        if llm_call.framework:
            return (
                f"{label} spreads per-call arguments in an adapter of {llm_call.framework}: the "
                "framework's caller owns the bound"
            )
        return ""

    def _bound_to_a_call(self, call: cst.Call, name: str) -> bool:
        """`name = build(..., stream=...)` (or `await build(...)`) in the call's function."""
        function = self._function_of(call)
        return function is not None and self._dict_items(function, name).from_call

    def _function_of(self, call: cst.Call) -> cst.FunctionDef | None:
        function = self.parents.get(call)
        while function is not None and not isinstance(function, cst.FunctionDef):
            function = self.parents.get(function)
        return function

    def _dict_items(self, function: cst.FunctionDef, name: str, partial: bool = False) -> _DictItems:
        """What `function` puts in the dict `name` (one walk per function, name and mode)."""
        key = (id(function), name, partial)
        if key not in self._dict_walks:
            finder = _DictItems(name, partial)
            walk(function, finder)
            self._dict_walks[key] = finder
        return self._dict_walks[key]

    def _items_bound_to(self, call: cst.Call, name: str, partial: bool = False) -> Keywords | None:
        function = self._function_of(call)
        if function is None or any(param.name.value == name for param in _all_params(function.params)):
            return None
        finder = self._dict_items(function, name, partial)
        return finder.items if (finder.readable or partial) and finder.bound else None

    def _bounded_by(self, call: cst.Call) -> str | None:
        """The wait_for call or timeout block already around `call` in its function, if any."""
        parents = self.parents
        child: cst.CSTNode = call
        node = parents.get(call)
        while node is not None and not isinstance(
            node, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)
        ):
            if isinstance(node, cst.Call) and child is not node.func:
                name = self._names_any(node.func, BOUNDING_CALLS)
                if name:
                    return name
            if isinstance(node, cst.With) and child is node.body:
                for item in node.items:
                    name = (
                        self._names_any(item.item.func, BOUNDING_CONTEXTS)
                        if isinstance(item.item, cst.Call)
                        else None
                    )
                    if name:
                        return name
            child, node = node, parents.get(node)
        return None

    def _is_awaited(self, call: cst.Call) -> bool:
        parent = self.parents.get(call)
        return isinstance(parent, cst.Await) and parent.expression is call

    def _is_scheduled(self, call: cst.Call) -> bool:
        """Handed to asyncio.gather / create_task / ensure_future or a TaskGroup's create_task,
        directly or as the element of a list or comprehension unpacked into gather(*...)."""
        parents = self.parents
        parent = parents.get(call)
        if isinstance(parent, cst.Arg):
            return not parent.keyword and not parent.star and self._is_scheduler(parents.get(parent), parent)
        container = parents.get(parent) if isinstance(parent, cst.Element) else parent
        if isinstance(container, (cst.ListComp, cst.GeneratorExp)) and container.elt is not call:
            return False
        if not isinstance(container, (cst.ListComp, cst.GeneratorExp, cst.List, cst.Tuple)):
            return False
        argument = parents.get(container)
        return (
            isinstance(argument, cst.Arg)
            and argument.star == "*"
            and self._names_any(getattr(parents.get(argument), "func", argument), SCHEDULERS)
            == "asyncio.gather"
        )

    def _is_scheduler(self, node: cst.CSTNode | None, argument: cst.Arg) -> bool:
        if not isinstance(node, cst.Call):
            return False
        name = self._names_any(node.func, SCHEDULERS)
        if name == "asyncio.gather":
            return True
        if node.args[0] is not argument:
            return False  # create_task / ensure_future take the coroutine first
        if name is not None:
            return True
        callee = node.func
        return isinstance(callee, cst.Attribute) and callee.attr.value == "create_task" and (
            self._key(node) in self.known.task_groups
        )

    def _whole_statement(self, call: cst.Call) -> cst.SimpleStatementLine | None:
        """For style=timeout: the statement line that is just `await call` (as an expression, the
        value assigned or returned), alone on its line in an indented block; None elsewhere."""
        parents = self.parents
        awaited = parents.get(call)
        if not isinstance(awaited, cst.Await):
            return None
        statement = parents.get(awaited)
        if not isinstance(statement, (cst.Expr, cst.Return, cst.Assign, cst.AnnAssign)):
            return None
        if statement.value is not awaited:
            return None
        line = parents.get(statement)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return None
        return line if isinstance(parents.get(line), cst.IndentedBlock) else None

    def _layout(self, call: cst.Call, reference: _Reference) -> str | None:
        """For a one-line call whose line would outgrow `line_length` once wrapped: the indentation
        of its line relative to its statement's; None to keep the wrapped call on its line."""
        position = self.positions[call]
        if position.start.line != position.end.line or call.lpar:
            return None
        line = self.lines[position.start.line - 1]
        added = len(f"{reference.text}(, timeout={self._timeout_text()})")
        if len(line) + added <= self.settings["line_length"]:
            return None
        statement = self.parents.get(call)
        while not isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            if statement is None or self._opens_bracket_on(statement, position.start.line):
                return None  # splitting inside brackets opened on the same line reads worse than a long line
            statement = self.parents.get(statement)
        start = self.positions[statement].start
        statement_indent = self.lines[start.line - 1][: start.column]
        line_indent = line[: len(line) - len(line.lstrip())]
        return line_indent[len(statement_indent) :] if line_indent.startswith(statement_indent) else None

    def _opens_bracket_on(self, node: cst.CSTNode, line: int) -> bool:
        brackets = (cst.Call, cst.List, cst.Tuple, cst.Set, cst.Dict, cst.Subscript, *COMPREHENSIONS)
        opens = isinstance(node, brackets) or bool(getattr(node, "lpar", None))
        return opens and self.positions[node].start.line == line

    # -- names the rewritten code reads

    def _global_bindings(self, name: str) -> frozenset[BaseAssignment]:
        return frozenset(self.global_scope[name]) if self.global_scope is not None else frozenset()

    def _only_imports_of(self, name: str, target: str) -> bool:
        bindings = self._global_bindings(name)
        return bool(bindings) and all(import_target(binding, self.source) == target for binding in bindings)

    def _asyncio_reference(self, function: str) -> _Reference:
        """An existing `import asyncio [as aio]`, else an existing `from asyncio import <function>`,
        else a new `import asyncio` (impossible when `asyncio` already names something else)."""
        if self.global_scope is not None:
            module_aliases = sorted(
                {a.name for a in self.global_scope.assignments if self._only_imports_of(a.name, "asyncio")}
            )
            for name in sorted(module_aliases, key=lambda alias: alias != "asyncio"):
                return _Reference(f"{name}.{function}", _Name(name, self._global_bindings(name), "asyncio"))
            wanted = f"asyncio.{function}"
            for name in sorted({a.name for a in self.global_scope.assignments}):
                if self._only_imports_of(name, wanted):
                    return _Reference(name, _Name(name, self._global_bindings(name), wanted))
        taken = (
            "the name asyncio means something else in this module" if self._global_bindings("asyncio") else ""
        )
        return _Reference(f"asyncio.{function}", _Name("asyncio", frozenset(), "asyncio", taken))

    def _timeout_names(self) -> list[_Name]:
        expression = self.timeout_expression
        if not expression:
            return [_Name(TIMEOUT_CONSTANT, self._global_bindings(TIMEOUT_CONSTANT))]
        where = self.timeout_where
        return [self._timeout_name(name, where) for name in _free_names(cst.parse_expression(expression))]

    def _timeout_name(self, name: str, where: str) -> _Name:
        bindings = self._global_bindings(name)
        if where and name == _import_binding(where):
            module, _, imported = where.partition(":")
            target = f"{module}.{imported}" if imported else module
            defined_here = bool(imported) and self.source.module == module
            usable = not bindings or defined_here or self._only_imports_of(name, target)
            return _Name(
                name, bindings, target, "" if usable else f"{name} already means something else here"
            )
        if bindings or hasattr(builtins, name):
            return _Name(name, bindings)
        return _Name(
            name, bindings, None, f"{name} is not defined in this module (set the timeout_import option)"
        )

    def _names_problem(self, call: cst.Call, reference: _Reference) -> str:
        """Why a name the bound reads would not mean what we intend at this call; '' when all do."""
        scope = self.scopes.get(call)
        for needed in [reference.binding, *self.timeout_names]:
            if needed.conflict:
                return needed.conflict
            seen = frozenset(scope[needed.name]) if scope is not None else frozenset()
            local_import = (
                bool(seen)
                and needed.import_target is not None
                and all(import_target(binding, self.source) == needed.import_target for binding in seen)
            )
            if seen != needed.global_bindings and not local_import:
                return f"the name {needed.name} means something else here"
        return ""

    def _timeout_text(self) -> str:
        return self.timeout_expression or TIMEOUT_CONSTANT

    # -- imports and the constant

    def _add_missing_definitions(self, module: cst.Module) -> cst.Module:
        if self.plan.needs_asyncio_import:
            module = add_stdlib_import(module, "asyncio")
        where = self.timeout_where
        if where and any(
            not needed.global_bindings and needed.import_target for needed in self.timeout_names
        ):
            module = add_project_import(module, where, self.source.module)
        if not self.timeout_expression and not self._global_bindings(TIMEOUT_CONSTANT):
            seconds = float(self.settings["default_seconds"])
            module = insert_after_imports(module, cst.parse_statement(f"{TIMEOUT_CONSTANT} = {seconds!r}\n"))
        return module


class _Survey(cst.CSTVisitor):
    """One pass over the module: every node's parent (cheaper than ParentNodeProvider's batched
    pass), and the calls whose callee's last name is one of `names`, in source order. Run through
    `visit_near`, it sees only the statements spelling one of `names`: the parents of those calls."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.calls: list[cst.Call] = []
        self._open: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._open:
            self.parents[node] = self._open[-1]
        self._open.append(node)
        if isinstance(node, cst.Call):
            callee = node.func
            name = callee.attr.value if isinstance(callee, cst.Attribute) else getattr(callee, "value", None)
            if name in self.names:
                self.calls.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._open.pop()


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    star = [params.star_arg] if isinstance(params.star_arg, cst.Param) else []
    kwargs = [params.star_kwarg] if params.star_kwarg is not None else []
    return [*params.posonly_params, *params.params, *star, *params.kwonly_params, *kwargs]


def _literal_items(node: cst.BaseExpression, partial: bool = False) -> Keywords | None:
    """`{"model": m, "stream": True}` or `dict(model=m, stream=True)`: its keys; None when the
    dict is not such a literal or merges another (`{**base}`, a computed key). `partial`: the keys
    it shows even so (a merge may add others, never remove these)."""
    if isinstance(node, cst.Dict):
        items = []
        for element in node.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            value = key.evaluated_value if isinstance(key, cst.SimpleString) else None
            if not isinstance(value, str):
                if partial:
                    continue
                return None
            items.append((value, element.value))
        return items
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        if any(arg.keyword is None for arg in node.args) and not partial:
            return None
        return [(arg.keyword.value, arg.value) for arg in node.args if arg.keyword is not None]
    return None


class _DictItems(cst.CSTVisitor):
    """The items `name = {...}` and `name["key"] = value` put in a dict, in the visited scope."""

    def __init__(self, name: str, partial: bool = False) -> None:
        super().__init__()
        self.name = name
        self.partial = partial  # collect the keys shown even where others may be added
        self.items: Keywords = []
        self.bound = False  # assigned a literal at least once
        self.readable = True  # every binding of the name is one this reads
        # assigned what a call returns that was handed `stream=` or a timeout (`kwargs =
        # self._build(..., stream=True)`): the dict may carry them
        self.from_call = False

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == self.name:
                items = _literal_items(value, self.partial)
                self.bound = True
                self.readable &= items is not None
                self.items += items or []
                returned = value.expression if isinstance(value, cst.Await) else value
                if items is None and isinstance(returned, cst.Call) and _passes_stream_or_timeout(returned):
                    self.from_call = True
            elif (
                isinstance(target.target, cst.Subscript)
                and isinstance(target.target.value, cst.Name)
                and target.target.value.value == self.name
                and len(target.target.slice) == 1
                and isinstance(target.target.slice[0].slice, cst.Index)
                and isinstance(target.target.slice[0].slice.value, cst.SimpleString)
            ):
                key = target.target.slice[0].slice.value.evaluated_value
                if isinstance(key, str):
                    self.items.append((key, value))
                else:
                    self.readable = False

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == self.name:
            self.readable = False

    def visit_Call(self, node: cst.Call) -> None:
        """`params.update(...)`, `params.setdefault(...)`: keys the code does not show."""
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == self.name:
            self.readable = False


# Settings of an LLM library that bound every call it makes, in the order they are asked:
# a global timeout (the call is bounded), a shared HTTP session (its client's timeout applies).
LIBRARY_BOUNDS: dict[str, tuple[tuple[str, Action], ...]] = {
    "litellm": (
        ("request_timeout", Action.SKIPPED),
        ("aclient_session", Action.REVIEW),
    ),
}


def _library_settings(project: Project, model: SemanticModel) -> dict[tuple[str, str], str]:
    """Where the project sets a LIBRARY_BOUNDS setting to something other than None
    (`litellm.request_timeout = 60`, `litellm.aclient_session = httpx.AsyncClient(...)`)."""
    found: dict[tuple[str, str], str] = {}
    for package, settings in sorted(LIBRARY_BOUNDS.items()):
        names = {setting for setting, _ in settings}
        for source in project.files_containing(package.encode()):
            try:
                tree = source.ast
            except SourceError:
                continue
            for node in walk_ast(tree):
                if not isinstance(node, (ast.Assign, ast.AnnAssign)) or _is_none_constant(node.value):
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    written = dotted_name(target) if isinstance(target, ast.Attribute) else None
                    if written is None or target.attr not in names:  # type: ignore[union-attr]
                        continue
                    qualified = model.index.resolve(source.module, written, node.lineno)
                    if qualified == f"{package}.{target.attr}":  # type: ignore[union-attr]
                        found.setdefault((package, target.attr), f"{source.relpath}:{node.lineno}")  # type: ignore[union-attr]
    return found


def _is_none_constant(value: ast.expr | None) -> bool:
    return value is None or (isinstance(value, ast.Constant) and value.value is None)


def _is_method_reference(value: Value) -> bool:
    """A third-party object's method, taken and not called (`llama.create_chat_completion`)."""
    return value.kind == "external" and not value.called and "()." in value.name


def _passes_stream_or_timeout(call: cst.Call) -> bool:
    """`build(..., stream=<anything but False>)` or `build(..., timeout=...)`."""
    keywords = [(arg.keyword.value, arg.value) for arg in call.args if arg.keyword is not None]
    return _is_streaming(keywords) or any(keyword in TIMEOUT_KEYWORDS for keyword, _ in keywords)


def _is_streaming(keywords: Keywords) -> bool:
    """`stream=True`, or `stream=<anything but False>` (it may be true at run time)."""
    return any(
        keyword == "stream" and not (isinstance(value, cst.Name) and value.value == "False")
        for keyword, value in keywords
    )


# -- rewriting -----------------------------------------------------------------------------------


class _Rewriter(cst.CSTTransformer):
    def __init__(
        self,
        plan: _Plan,
        wait_for: cst.BaseExpression,
        timeout_block: cst.BaseExpression | None,
        timeout: cst.BaseExpression,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.wait_for = wait_for
        self.timeout_block = timeout_block
        self.timeout = timeout
        self.indent = "    "

    def visit_Module(self, node: cst.Module) -> bool:
        self.indent = node.default_indent
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if original_node not in self.plan.wraps:
            return updated_node
        layout = self.plan.wraps[original_node]
        return wrap_in_wait_for(updated_node, self.wait_for, self.timeout, self.indent, layout)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        if original_node not in self.plan.blocks or self.timeout_block is None:
            return updated_node
        return cst.With(
            items=[cst.WithItem(cst.Call(self.timeout_block, [cst.Arg(self.timeout)]))],
            body=cst.IndentedBlock([updated_node.with_changes(leading_lines=[])]),
            asynchronous=cst.Asynchronous(),
            leading_lines=updated_node.leading_lines,
        )


class _ShiftRight(cst.CSTTransformer):
    """Indent every continuation line of an expression (and comment lines inside it) by `unit`."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        return updated_node.with_changes(
            last_line=cst.SimpleWhitespace(self.unit + updated_node.last_line.value)
        )

    def leave_EmptyLine(self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine) -> cst.EmptyLine:
        if updated_node.comment is None:
            return updated_node
        return updated_node.with_changes(
            whitespace=cst.SimpleWhitespace(self.unit + updated_node.whitespace.value)
        )


def _closing_whitespace(call: cst.Call) -> cst.BaseParenthesizableWhitespace | None:
    """The whitespace before a call's closing parenthesis."""
    if not call.args:
        return None
    last = call.args[-1]
    return last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else last.whitespace_after_arg


def wrap_in_wait_for(
    call: cst.Call,
    wait_for: cst.BaseExpression,
    timeout: cst.BaseExpression,
    unit: str,
    one_line_base: str | None = None,
) -> cst.Call:
    """`wait_for(<call>, timeout=<timeout>)`. A call laid out one argument a line (its closing
    parenthesis on a line of its own) is laid out the same way inside the wrapper, indented one
    level; so is a one-line call given `one_line_base` (the indentation of its line relative to
    its statement); anything else is wrapped on its own lines as they are."""
    inner = call.with_changes(lpar=[], rpar=[])
    timeout_arg = cst.Arg(
        timeout,
        keyword=cst.Name("timeout"),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    closing = _closing_whitespace(call)
    exploded = (
        isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
        and isinstance(closing, cst.ParenthesizedWhitespace)
        and closing.indent
    )
    if exploded:
        base = closing.last_line.value  # type: ignore[union-attr]
    elif one_line_base is not None:
        base = one_line_base
    else:
        args = [cst.Arg(inner, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), timeout_arg]
        return cst.Call(wait_for, args, lpar=call.lpar, rpar=call.rpar)

    def new_line(extra: str) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(base + extra))

    args = [
        cst.Arg(inner.visit(_ShiftRight(unit)), comma=cst.Comma(whitespace_after=new_line(unit))),  # type: ignore[arg-type]
        timeout_arg.with_changes(comma=cst.Comma(whitespace_after=new_line(""))),
    ]
    return cst.Call(wait_for, args, whitespace_before_args=new_line(unit), lpar=call.lpar, rpar=call.rpar)


# -- module-level additions ----------------------------------------------------------------------


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _import_line(statement: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    """The import a statement line consists of, if it is an import line."""
    if isinstance(statement, cst.SimpleStatementLine) and statement.body:
        first = statement.body[0]
        if all(isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body):
            return first  # type: ignore[return-value]
    return None


def _imported_module(node: cst.Import | cst.ImportFrom) -> str:
    if isinstance(node, cst.Import):
        return node.names[0].evaluated_name
    return "." * len(node.relative) + ((dotted(node.module) or "") if node.module else "")


def _import_block(module: cst.Module) -> tuple[int, int]:
    """(start, end) indexes of the module's leading import lines, after its docstring and
    `from __future__` imports; start == end when there are none."""
    body = module.body
    start = 1 if body and _is_docstring(body[0]) else 0
    while (
        start < len(body)
        and (node := _import_line(body[start])) is not None
        and _imported_module(node) == "__future__"
    ):
        start += 1
    end = start
    while end < len(body) and _import_line(body[end]) is not None:
        end += 1
    return start, end


def _is_stdlib(node: cst.Import | cst.ImportFrom) -> bool:
    return _imported_module(node).split(".")[0] in sys.stdlib_module_names


def add_stdlib_import(module: cst.Module, name: str) -> cst.Module:
    """Add `import <name>` where isort/ruff would put it: among the leading standard-library
    imports (plain imports sorted before from-imports), else as a section of its own before the
    other imports."""
    start, end = _import_block(module)
    body = list(module.body)
    new_line = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name(name))])])
    stdlib = [index for index in range(start, end) if _is_stdlib(_import_line(body[index]))]  # type: ignore[arg-type]
    plain = [index for index in stdlib if isinstance(_import_line(body[index]), cst.Import)]
    after = [index for index in plain if _imported_module(_import_line(body[index])).lower() > name]  # type: ignore[arg-type]
    if after or (stdlib and not plain):
        position = after[0] if after else stdlib[0]
        body[position:position] = [new_line.with_changes(leading_lines=body[position].leading_lines)]
        body[position + 1] = body[position + 1].with_changes(leading_lines=[])
    elif plain:
        body.insert(plain[-1] + 1, new_line)
    elif start < end:
        body[start:start] = [new_line.with_changes(leading_lines=body[start].leading_lines)]
        body[start + 1] = body[start + 1].with_changes(leading_lines=[cst.EmptyLine()])
    else:
        return insert_after_imports(module, new_line)
    return module.with_changes(body=body)


def add_project_import(module: cst.Module, where: str, current_module: str) -> cst.Module:
    """Add `from a.b import c` (where = 'a.b:c') or `import a.b` (where = 'a.b'): merged into an
    existing `from a.b import ...`, else after the imports of the same top-level package, else as
    a section of its own after the other imports."""
    imported_module, _, name = where.partition(":")
    start, end = _import_block(module)
    body = list(module.body)
    lines = [(index, _import_line(body[index])) for index in range(start, end)]
    if name and any(
        isinstance(node, cst.ImportFrom) and _imported_module(node) == imported_module for _, node in lines
    ):
        return add_imports(module, [ImportSpec(imported_module, name)], current_module)
    text = f"from {imported_module} import {name}\n" if name else f"import {imported_module}\n"
    statement = cst.parse_statement(text)
    package = imported_module.split(".")[0]
    same_package = [
        index for index, node in lines if node and _imported_module(node).split(".")[0] == package
    ]
    if same_package:
        later = [
            index for index in same_package if _imported_module(_import_line(body[index])) > imported_module
        ]  # type: ignore[arg-type]
        position = later[0] if later else same_package[-1] + 1
        if later:
            statement = statement.with_changes(leading_lines=body[position].leading_lines)
            body[position] = body[position].with_changes(leading_lines=[])
        body.insert(position, statement)
        return module.with_changes(body=body)
    relative = [index for index, node in lines if isinstance(node, cst.ImportFrom) and node.relative]
    if relative:
        # a section of its own before the relative imports, as isort and ruff order them
        position = relative[0]
        statement = statement.with_changes(leading_lines=body[position].leading_lines)
        body[position] = body[position].with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(position, statement)
        return module.with_changes(body=body)
    return insert_after_imports(module, statement)  # type: ignore[arg-type]


def insert_after_imports(module: cst.Module, statement: cst.SimpleStatementLine) -> cst.Module:
    """Insert a statement after the module's leading imports (or docstring), set off by a blank line."""
    _, end = _import_block(module)
    body = list(module.body)
    leading = [cst.EmptyLine()] if end > 0 else list(statement.leading_lines)
    body.insert(end, statement.with_changes(leading_lines=leading))
    following = end + 1
    if following < len(body) and not body[following].leading_lines:
        body[following] = body[following].with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=body)
