"""Shared LLM clients."""

from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

llm_client = AsyncOpenAI()
claude = AsyncAnthropic(timeout=30.0)
