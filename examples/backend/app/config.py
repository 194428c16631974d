"""Settings, read once from the environment (each field can be overridden by a variable of its name)."""

import os

from pydantic import BaseModel


class Settings(BaseModel):
    DATABASE_URL: str = "sqlite+aiosqlite:///./app.db"
    LLM_PROVIDER: str = "anthropic"  # or "litellm"
    OPENAI_MODEL: str = "gpt-4o-mini"
    ANTHROPIC_MODEL: str = "claude-3-5-haiku-latest"
    LITELLM_MODEL: str = "gpt-4o-mini"
    LLM_TIMEOUT_SECONDS: float = 30.0

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(**{name: os.environ[name] for name in cls.model_fields if name in os.environ})


settings = Settings.from_env()
