import os

from openai import AsyncOpenAI

# behind a proxy the client gets its own limit; without one, none
if os.getenv("LLM_PROXY"):
    client = AsyncOpenAI(base_url=os.environ["LLM_PROXY"], timeout=60.0)
else:
    client = AsyncOpenAI()
