import asyncio

from pydantic_ai import Agent

LLM_TIMEOUT_SECONDS = 120.0

support_agent = Agent("openai:gpt-4o", system_prompt="Be brief.")


async def handle(question: str) -> str:
    result = await asyncio.wait_for(
        support_agent.run(question),
        timeout=LLM_TIMEOUT_SECONDS,
    )
    return result.output


async def run_tool(tool, question: str) -> str:
    # an unknown object's `run` is not an agent run
    return await tool.run(question)
