"""Calls to the LLM providers. Only background jobs import this module, so the API runs without the SDKs."""

import litellm
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

from app.config import settings

openai_client = AsyncOpenAI()  # API keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY
anthropic_client = AsyncAnthropic()


async def describe_item(name: str) -> str:
    response = await openai_client.chat.completions.create(
        model=settings.OPENAI_MODEL,
        messages=[
            {"role": "system", "content": "Write a one-sentence product description."},
            {"role": "user", "content": name},
        ],
    )
    return response.choices[0].message.content or ""


async def summarize(texts: list[str]) -> str:
    prompt = "Summarise these products in one sentence:\n" + "\n".join(texts)
    if settings.LLM_PROVIDER == "anthropic":
        message = await anthropic_client.messages.create(
            model=settings.ANTHROPIC_MODEL,
            max_tokens=200,
            messages=[{"role": "user", "content": prompt}],
        )
        return message.content[0].text
    response = await litellm.acompletion(
        model=settings.LITELLM_MODEL, messages=[{"role": "user", "content": prompt}]
    )
    return response.choices[0].message.content
