from pydantic_ai import Agent

support_agent = Agent("openai:gpt-4o", system_prompt="Be brief.")


async def handle(question: str) -> str:
    result = await support_agent.run(question)
    return result.output


async def run_tool(tool, question: str) -> str:
    # an unknown object's `run` is not an agent run
    return await tool.run(question)
