import litellm
from anthropic import Anthropic
from openai import OpenAI
from pydantic_ai import Agent

client = OpenAI()
agent = Agent("openai:gpt-4o")


def reply(text: str) -> str:
    response = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
    return response.choices[0].message.content


def legacy(text: str) -> str:
    return litellm.completion(model="m", messages=[])


def claude(text: str) -> str:
    return Anthropic().messages.create(model="m", max_tokens=10, messages=[])


def run_agent(text: str) -> str:
    return agent.run_sync(text).output
