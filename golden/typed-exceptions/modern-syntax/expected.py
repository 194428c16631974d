import json
from dataclasses import dataclass, field

from fastapi import FastAPI, HTTPException


class ResourceExistsError(ValueError):
    """The resource to create already exists."""


app = FastAPI()

type PromptId = str


@dataclass
class Registry[T]:
    entries: dict[str, T] = field(default_factory=dict)


PROMPTS: Registry[str] = Registry()


def register_prompt(data: dict[str, str]) -> PromptId:
    if not data.get("template"):
        raise ValueError("Template is required")
    if data["name"] in PROMPTS.entries:
        raise ResourceExistsError(f"Prompt {data["name"]!r} already exists")
    PROMPTS.entries[data["name"]] = data["template"]
    return data["name"]


def load_prompts(raw: str) -> dict[str, str]:
    try:
        return json.loads(raw)
    except json.JSONDecodeError, UnicodeDecodeError:
        return {}


@app.post("/prompts")
def create_prompt(data: dict[str, str]) -> dict[str, str]:
    try:
        return {"id": register_prompt(data)}
    except ResourceExistsError as e:
        # a duplicate name is a conflict, anything else a bad request
        raise HTTPException(status_code=409, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=400, detail=f"{
            str(e)
        }") from e
