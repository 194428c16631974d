"""An adapter whose helpers hand the caller's keyword arguments down to the LLM call."""

from typing import Any

import litellm


class Adapter:
    def __init__(self, model: str, llm_args: dict[str, Any] | None = None) -> None:
        self.model = model
        self.llm_args = llm_args or {}

    async def _plain(self, prompt: str, **merged_kwargs: Any) -> str:
        # every caller fills merged_kwargs from configuration: bounded here
        response = await litellm.acompletion(
            model=self.model, messages=[{"role": "user", "content": prompt}], **merged_kwargs
        )
        return response.choices[0].message.content

    async def _routed(self, prompt: str, **merged_kwargs: Any) -> str:
        return await self._plain(prompt, **merged_kwargs)

    async def complete(self, prompt: str, **kwargs: Any) -> str:
        merged_kwargs = {**self.llm_args, **kwargs}
        return await self._routed(prompt, **merged_kwargs)

    async def _chosen(self, prompt: str, **options: Any) -> str:
        # a caller passes its own timeout: it owns the bound
        response = await litellm.acompletion(model=self.model, messages=[], **options)
        return response.choices[0].message.content

    async def slow(self, prompt: str) -> str:
        return await self._chosen(prompt, timeout=600)

    async def _overridden(self, prompt: str, **options: Any) -> str:
        # the caller sets a key the code cannot read
        response = await litellm.acompletion(model=self.model, messages=[], **options)
        return response.choices[0].message.content

    async def tuned(self, prompt: str, key: str) -> str:
        options = {**self.llm_args}
        options[key] = 600
        return await self._overridden(prompt, **options)


async def forward(prompt: str, **kwargs: Any) -> str:
    # nobody in the project calls it: its callers are out of sight
    response = await litellm.acompletion(model="gpt-4o", messages=[], **kwargs)
    return response.choices[0].message.content
