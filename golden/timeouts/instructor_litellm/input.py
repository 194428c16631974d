import instructor
import litellm
from pydantic import BaseModel


class Answer(BaseModel):
    text: str


class Adapter:
    def __init__(self, model: str, llm_args: dict) -> None:
        self.model = model
        self.llm_args = llm_args
        # instructor wraps litellm's async completion: its calls are as async as acompletion
        self.aclient = instructor.from_litellm(litellm.acompletion)
        self.sync_client = instructor.from_litellm(litellm.completion)

    async def ask(self, question: str, **kwargs) -> Answer:
        merged_kwargs = {**self.llm_args, **kwargs}
        return await self.aclient.chat.completions.create(
            model=self.model,
            messages=[{"role": "user", "content": question}],
            response_model=Answer,
            **merged_kwargs,
        )

    async def ask_with_fallback(self, question: str) -> Answer:
        try:
            return await self.aclient.create(model=self.model, messages=[], response_model=Answer)
        except Exception:
            fallback = instructor.from_litellm(litellm.acompletion)
            return await fallback.chat.completions.create(model="backup", messages=[], response_model=Answer)

    def ask_now(self, question: str) -> Answer:
        # wraps litellm.completion: synchronous, asyncio.wait_for cannot interrupt it (review)
        return self.sync_client.chat.completions.create(model=self.model, messages=[], response_model=Answer)
