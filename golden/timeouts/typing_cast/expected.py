import asyncio
from typing import cast

import instructor
from openai import AsyncOpenAI
from pydantic import BaseModel

LLM_TIMEOUT_SECONDS = 120.0


class Answer(BaseModel):
    text: str


class Adapter:
    def __init__(self, endpoint: str, model: str) -> None:
        self.model = model
        # no timeout on the wrapped client: every call through it can hang
        self.aclient = instructor.from_openai(AsyncOpenAI(base_url=endpoint))
        self.bounded = AsyncOpenAI(base_url=endpoint, timeout=30)

    async def ask(self, question: str) -> Answer:
        # cast() only tells the type checker: at run time it is self.aclient
        return await asyncio.wait_for(
            cast(instructor.AsyncInstructor, self.aclient).chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": question}],
                response_model=Answer,
                max_retries=2,
            ),
            timeout=LLM_TIMEOUT_SECONDS,
        )

    async def ask_bounded(self, question: str) -> str:
        # the client under the cast has its own timeout: left as it is
        reply = await cast(AsyncOpenAI, self.bounded).chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": question}]
        )
        return reply.choices[0].message.content or ""
