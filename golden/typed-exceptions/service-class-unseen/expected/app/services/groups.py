"""A service class: the handlers reach its raises through an instance built in the try block,
a parameter, and an attribute of another object."""
from app.exceptions import ResourceNotFoundError


class GroupRepository:
    def __init__(self, rows: dict[str, list[str]]) -> None:
        self.rows = rows

    def scoped(self, query, owner: str):
        # `query` has no annotation: the model cannot tell what `.where` runs
        return query.where(owner)

    def members(self, group: str) -> list[str]:
        if group not in self.rows:
            raise ResourceNotFoundError(f"Group {group} not found")
        return self.rows[group]


class GroupService:
    def __init__(self, repository: GroupRepository) -> None:
        self.repository = repository

    def add_member(self, group: str, person: str) -> int:
        members = self.repository.members(group)
        if person in members:
            raise ValueError(f"{person} is already a member of {group}")
        if not person:
            raise ResourceNotFoundError("Member not found")
        members.append(person)
        return len(members)

    def remove_member(self, group: str, person: str, query=None) -> int:
        members = self.repository.members(group)
        if query is not None:
            self.repository.scoped(query, person)
        if person not in members:
            raise ResourceNotFoundError(f"Member {person} not found in {group}")
        members.remove(person)
        return len(members)
