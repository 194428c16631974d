from litellm import acompletion


async def answer(question: str) -> str:
    response = await acompletion(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
    return response.choices[0].message.content
