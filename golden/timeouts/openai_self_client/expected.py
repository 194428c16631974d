import asyncio

from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0


class TicketClassifier:
    def __init__(self, model: str = "gpt-4o-mini") -> None:
        self.model = model
        self.client = AsyncOpenAI()

    async def classify(self, text: str) -> str:
        response = await asyncio.wait_for(
            self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": text}],
            ),
            timeout=LLM_TIMEOUT_SECONDS,
        )
        return response.choices[0].message.content


class Cache:
    def __init__(self, backend) -> None:
        self.client = backend

    async def get(self, key: str) -> str:
        # not an LLM client: `self.client` comes from an unannotated parameter
        return await self.client.chat.completions.create(key=key)
