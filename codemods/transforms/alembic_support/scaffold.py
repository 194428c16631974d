"""The files an Alembic setup is made of, rendered for one project: alembic.ini, env.py (wired to
the project's metadata and database URL), script.py.mako, the startup helper and the baseline."""

from __future__ import annotations

import hashlib
import io
import sys
import tokenize
from typing import Iterable, Sequence

from fixit_codemods.transforms.alembic_support.schema import Expression, ImportLine, MetadataTarget

HELPER_FUNCTION = "upgrade_database"
URL_ENVIRONMENT_VARIABLE = "DATABASE_URL"

ALEMBIC_INI = """\
# Alembic configuration (scaffolded by fixit). The database URL is not repeated here:
# {script_folder}/env.py takes it from the application, so both always use the same database.

[alembic]
# path to the migration scripts, relative to this file
script_location = %(here)s/{script_folder}

# file name of new revisions
file_template = %%(rev)s_%%(slug)s

# prepended to sys.path so that env.py can import the application
prepend_sys_path = {sys_path}

# split prepend_sys_path and version_locations on os.pathsep
path_separator = os

# Logging configuration (used by the `alembic` command, not when the application upgrades itself)
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

ENV_HEADER = '''\
"""Alembic environment (scaffolded by fixit): the application's metadata and database URL."""

{imports}

config = context.config

# `{helper}()` runs migrations inside the application and turns this off, to keep the
# application's logging configuration as it is.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# the tables autogenerate compares with the database
target_metadata = {metadata}
database_url = {url}


def run_migrations_offline() -> None:
    """Emit the migrations as SQL (`alembic upgrade head --sql`) without connecting."""
    context.configure(
        url=database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={{"paramstyle": "named"}},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later migrations recreate tables instead
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
'''

ENV_ONLINE_ASYNC = """

async def run_async_migrations() -> None:
    connectable = create_async_engine(database_url, poolclass=pool.NullPool)
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()


def run_migrations_online() -> None:
    asyncio.run(run_async_migrations())
"""

ENV_ONLINE_SYNC = """

def run_migrations_online() -> None:
    connectable = create_engine(database_url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        do_run_migrations(connection)
    connectable.dispose()
"""

ENV_FOOTER = """

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

HELPER_MODULE = '''\
"""Bring the database schema up to date at startup: `alembic upgrade head` (scaffolded by fixit)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = {ini_path}


def {helper}() -> None:
    """Apply every pending migration; a new, empty database gets the whole schema.

    Blocking: from async code run it with `await asyncio.to_thread({helper})`.
    """
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logger"] = False  # keep the application's logging as it is
    command.upgrade(config, "head")
'''

BASELINE = '''\
"""baseline: the schema the models defined when Alembic was introduced

Revision ID: {revision}
Revises:
Create Date: (omitted: generated by fixit from the models, reproducibly)

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
{imports}

# revision identifiers, used by Alembic.
revision: str = {revision!r}
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    {upgrades}


def downgrade() -> None:
    """Downgrade schema."""
    {downgrades}
'''


def alembic_ini(script_folder: str, sys_path: str) -> str:
    return ALEMBIC_INI.format(script_folder=script_folder, sys_path=sys_path)


def env_py(
    targets: Sequence[MetadataTarget], url: Expression | None, is_async: bool, project_packages: Iterable[str]
) -> str:
    imports = [ImportLine("logging.config", "fileConfig"), ImportLine("alembic", "context")]
    imports += [ImportLine("sqlalchemy", "pool"), ImportLine("sqlalchemy.engine", "Connection")]
    if is_async:
        imports += [ImportLine("asyncio"), ImportLine("sqlalchemy.ext.asyncio", "create_async_engine")]
    else:
        imports.append(ImportLine("sqlalchemy", "create_engine"))
    for target in targets:
        imports.append(ImportLine(target.module, target.owner))
    if url is None:
        imports.append(ImportLine("os"))
        url_source = f'os.environ["{URL_ENVIRONMENT_VARIABLE}"]'
    else:
        url = _without_clashes(url, imports)
        imports += url.imports
        url_source = url.source
    model_imports = sorted({module for target in targets for module in target.model_modules})
    metadata = ", ".join(target.expression for target in targets)
    text = ENV_HEADER.format(
        imports=_import_block(imports, model_imports, set(project_packages)),
        helper=HELPER_FUNCTION,
        metadata=metadata if len(targets) == 1 else f"[{metadata}]",
        url=url_source,
    )
    return text + (ENV_ONLINE_ASYNC if is_async else ENV_ONLINE_SYNC) + ENV_FOOTER


# names env.py binds itself; the URL's imports must not rebind them
ENV_NAMES = frozenset(
    {
        "config", "context", "pool", "Connection", "fileConfig", "asyncio", "create_engine", "create_async_engine",
        "target_metadata", "database_url", "run_migrations_offline", "run_migrations_online",
        "do_run_migrations", "run_async_migrations",
    }
)  # fmt: skip


def _without_clashes(url: Expression, env_imports: Sequence[ImportLine]) -> Expression:
    """The URL expression with its imports aliased (`from app import config as app_config`) where
    they would rebind a name of env.py's own."""
    imports = []
    source = url.source
    for line in url.imports:
        bound = line.alias or line.name or line.module.split(".")[0]
        if bound not in ENV_NAMES or line in env_imports:
            imports.append(line)
            continue
        renamed = f"app_{bound}"
        imports.append(ImportLine(line.module, line.name, renamed))
        source = _rename(source, bound, renamed)
    return Expression(source, tuple(imports))


def _rename(source: str, old: str, new: str) -> str:
    """Rename the free variable `old` in a one-line expression (not attributes or keywords)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.NL]
    pieces, position = [], 0
    for index, token in enumerate(tokens):
        before = tokens[index - 1].string if index else ""
        after = tokens[index + 1].string if index + 1 < len(tokens) else ""
        if token.type == tokenize.NAME and token.string == old and before != "." and after != "=":
            start, end = token.start[1], token.end[1]
            pieces += [source[position:start], new]
            position = end
    return "".join(pieces) + source[position:]


def _import_block(imports: Sequence[ImportLine], model_modules: Sequence[str], packages: set[str]) -> str:
    """Imports as isort sorts them: sections (standard library, third party, the project), in each
    `import x` lines first, then one `from x import a, b` line per module."""
    plain: dict[int, set[str]] = {0: set(), 1: set(), 2: set()}
    names_from: dict[int, dict[str, set[str]]] = {0: {}, 1: {}, 2: {}}

    def section_of(module: str) -> int:
        top = module.split(".")[0]
        if top in packages:
            return 2
        return 0 if top in sys.stdlib_module_names else 1

    for line in imports:
        section = section_of(line.module)
        if line.name is None:
            plain[section].add(line.render())
        else:
            name = line.render().partition(" import ")[2]
            names_from[section].setdefault(line.module, set()).add(name)
    for module in model_modules:
        plain[2].add(f"import {module}  # noqa: F401  (defines tables on the metadata)")
    blocks = []
    for section, plain_lines in plain.items():
        lines = sorted(plain_lines)
        for module, names in sorted(names_from[section].items()):
            lines.append(f"from {module} import {', '.join(sorted(names, key=_isort_name_key))}")
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _isort_name_key(name: str) -> tuple[int, str]:
    """CONSTANTS, then Classes, then functions (isort's order-by-type)."""
    bare = name.split(" as ")[0]
    return (0 if bare.isupper() else 1 if bare[:1].isupper() else 2), bare


def helper_module(ini_relative_to_helper: str) -> str:
    """The helper module; it finds alembic.ini relative to itself, whatever the working directory."""
    parts = ini_relative_to_helper.split("/")
    ups = parts.count("..")
    path = "Path(__file__).resolve().parent" + ".parent" * ups
    path += "".join(f' / "{part}"' for part in parts if part != "..")
    return HELPER_MODULE.format(ini_path=path, helper=HELPER_FUNCTION)


def baseline_revision(upgrades: str, downgrades: str, imports: Sequence[str]) -> tuple[str, str]:
    """(file name, text) of the baseline; its id is derived from its content, so reruns agree."""
    revision = hashlib.sha256(f"{upgrades}\n{downgrades}".encode()).hexdigest()[:12]
    extra = "".join(f"{line}\n" for line in sorted(set(imports)))
    text = BASELINE.format(revision=revision, imports=extra, upgrades=upgrades, downgrades=downgrades)
    return f"{revision}_baseline.py", text
