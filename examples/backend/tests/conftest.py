import importlib.util
import os
import sys
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import AsyncMock, MagicMock

import pytest
from fastapi.testclient import TestClient

# Settings are read at import time: point the app at a throwaway database before anything imports it.
_database_dir = tempfile.TemporaryDirectory(prefix="example-backend-")
os.environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{Path(_database_dir.name) / 'test.db'}"


def _stub_missing_sdk(name: str, **attributes: object) -> None:
    """The LLM SDKs are an optional extra; tests mock every call, so a stand-in module is enough."""
    if importlib.util.find_spec(name) is None:
        stand_in = types.ModuleType(name)
        vars(stand_in).update(attributes)
        sys.modules[name] = stand_in


_stub_missing_sdk("openai", AsyncOpenAI=MagicMock)
_stub_missing_sdk("anthropic", AsyncAnthropic=MagicMock)
_stub_missing_sdk("litellm", acompletion=AsyncMock())


@pytest.fixture
def client() -> Iterator[TestClient]:
    from app.main import app

    with TestClient(app) as test_client:
        yield test_client
