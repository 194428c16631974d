import asyncio

import instructor
from openai import AsyncOpenAI

LLM_TIMEOUT_SECONDS = 120.0


class Adapter:
    def __init__(self, local: bool) -> None:
        if local:
            import llama_cpp

            self.llama = llama_cpp.Llama(model_path="model.gguf")
            # a patched function, called directly in local mode: it has no `.chat`
            self.client = instructor.patch(create=self.llama.create_chat_completion_openai_v1)
        else:
            self.client = instructor.from_openai(AsyncOpenAI(base_url="http://localhost:8080/v1"))
        self.local = local

    async def ask(self, text: str) -> dict:
        if not self.local:
            return await asyncio.wait_for(
                self.client.chat.completions.create(
                    model="local", messages=[{"role": "user", "content": text}], response_model=dict
                ),
                timeout=LLM_TIMEOUT_SECONDS,
            )
        return self.client(messages=[{"role": "user", "content": text}], response_model=dict)


class LocalOnly:
    def __init__(self) -> None:
        import llama_cpp

        self.client = instructor.patch(create=llama_cpp.Llama(model_path="model.gguf").create_chat_completion_openai_v1)

    async def ask(self, text: str) -> dict:
        # only a method could be here: no client call to bound
        return await self.client.chat.completions.create(model="local", messages=[], response_model=dict)
