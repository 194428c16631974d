import os

from openai import AsyncOpenAI

if os.getenv("LLM_PROXY"):
    client = AsyncOpenAI(base_url=os.environ["LLM_PROXY"], timeout=60.0)
else:
    client = AsyncOpenAI(timeout=30.0)
