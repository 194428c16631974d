from pydantic import BaseModel, ConfigDict


class UserCreate(BaseModel):
    email: str
    name: str


class UserRead(UserCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int


class ProjectCreate(BaseModel):
    name: str


class ProjectRead(ProjectCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int
    summary: str | None


class ItemCreate(BaseModel):
    name: str
    price_cents: int


class ItemRead(ItemCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    description: str | None
