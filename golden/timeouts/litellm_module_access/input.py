import litellm
import litellm as llm


async def reply(messages: list[dict]) -> str:
    response = await litellm.acompletion(model="gpt-4o-mini", messages=messages)
    return response.choices[0].message.content


async def legacy(prompt: str) -> str:
    response = await llm.atext_completion(model="gpt-3.5-turbo-instruct", prompt=prompt)
    return response.choices[0].text


async def routed(messages: list[dict]) -> str:
    router = litellm.Router(model_list=[])
    response = await router.acompletion(model="gpt-4o-mini", messages=messages)
    return response.choices[0].message.content
