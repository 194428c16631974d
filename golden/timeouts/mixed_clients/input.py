"""One attribute, a different client per branch."""

import instructor
import litellm
from openai import AsyncAzureOpenAI, AsyncOpenAI


class Adapter:
    def __init__(self, managed_identity: bool) -> None:
        if managed_identity:
            self.aclient = instructor.from_openai(AsyncAzureOpenAI(azure_endpoint="https://x"))
        else:
            self.aclient = instructor.from_litellm(litellm.acompletion)

    async def extract(self, text: str, model: type) -> object:
        # neither branch's client has a time limit: bounded
        return await self.aclient.chat.completions.create(model="gpt-4o", messages=[], response_model=model)


class BoundedAdapter:
    def __init__(self, azure: bool) -> None:
        if azure:
            self.aclient = instructor.from_openai(AsyncAzureOpenAI(azure_endpoint="https://x", timeout=30))
        else:
            self.aclient = instructor.from_openai(AsyncOpenAI(timeout=30))

    async def extract(self, text: str, model: type) -> object:
        # every branch's client has a time limit: left alone
        return await self.aclient.chat.completions.create(model="gpt-4o", messages=[], response_model=model)


class HalfBoundedAdapter:
    def __init__(self, azure: bool) -> None:
        if azure:
            self.aclient = instructor.from_openai(AsyncAzureOpenAI(azure_endpoint="https://x", timeout=30))
        else:
            self.aclient = instructor.from_litellm(litellm.acompletion)

    async def extract(self, text: str, model: type) -> object:
        # the litellm branch has no limit: bounded
        return await self.aclient.chat.completions.create(model="gpt-4o", messages=[], response_model=model)


class LocalOrServer:
    def __init__(self, local: object | None) -> None:
        if local is not None:
            self.aclient = instructor.patch(create=local)
        else:
            self.aclient = instructor.from_openai(AsyncOpenAI())

    async def extract(self, text: str, model: type) -> object:
        # one branch holds something the model cannot name: left alone
        return await self.aclient.chat.completions.create(model="gpt-4o", messages=[], response_model=model)
