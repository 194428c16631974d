"""Part of the application (a namespace folder below the `app` package), runnable on its own
too: its LLM call is bounded like any other."""

import asyncio

from anthropic import AsyncAnthropic

client = AsyncAnthropic()


async def run(prompt: str) -> str:
    response = await client.messages.create(model="m", max_tokens=100, messages=[{"role": "user", "content": prompt}])
    return response.content[0].text


if __name__ == "__main__":
    print(asyncio.run(run("hello")))
