import asyncio

import litellm

LLM_TIMEOUT_SECONDS = 120.0


class Model:
    def _request(self, messages: list[dict], stream: bool) -> dict:
        # the builder may add a timeout, or stream=True: what it returns is not read
        return {"model": "gpt-4o-mini", "messages": messages, "stream": stream}

    async def chat(self, messages: list[dict]):
        kwargs = self._request(messages, stream=False)
        return await asyncio.wait_for(
            litellm.acompletion(**kwargs),
            timeout=LLM_TIMEOUT_SECONDS,
        )

    async def stream(self, messages: list[dict]):
        kwargs = self._request(messages, stream=True)
        return await litellm.acompletion(**kwargs)

    async def merged(self, messages: list[dict]):
        kwargs = {"model": "gpt-4o-mini", "messages": messages}
        return await asyncio.wait_for(
            litellm.acompletion(**kwargs),
            timeout=LLM_TIMEOUT_SECONDS,
        )
