import litellm


async def summarise(text: str) -> str:
    response = await litellm.acompletion(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return response.choices[0].message.content
