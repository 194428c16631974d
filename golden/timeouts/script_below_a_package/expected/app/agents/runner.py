"""Part of the application (a namespace folder below the `app` package), runnable on its own
too: its LLM call is bounded like any other."""

import asyncio

from anthropic import AsyncAnthropic

LLM_TIMEOUT_SECONDS = 120.0

client = AsyncAnthropic()


async def run(prompt: str) -> str:
    response = await asyncio.wait_for(
        client.messages.create(model="m", max_tokens=100, messages=[{"role": "user", "content": prompt}]),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return response.content[0].text


if __name__ == "__main__":
    print(asyncio.run(run("hello")))
