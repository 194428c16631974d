"""Clients built per request by a factory defined inside the function that uses it."""

import openai


def build_handlers():
    def _client():
        return openai.AsyncOpenAI(api_key="key")

    def _bounded_client():
        return openai.AsyncOpenAI(api_key="key", timeout=20)

    async def answer(text: str) -> dict:
        client = _client()
        # a factory without a time limit: bounded
        response = await client.responses.create(model="gpt-4o", input=text)
        return response.model_dump()

    async def answer_bounded(text: str) -> dict:
        response = await _bounded_client().responses.create(model="gpt-4o", input=text)
        return response.model_dump()

    return answer, answer_bounded
