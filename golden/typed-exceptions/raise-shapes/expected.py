import json


class ResourceExistsError(ValueError):
    """The resource to create already exists."""


PROJECTS: dict[str, dict] = {}


class ProjectStore:
    def create(self, name: str, payload: str) -> dict:
        if name in PROJECTS:
            msg = f"project {name} already exists"
            raise ResourceExistsError(msg)
        if name.upper() in PROJECTS:
            raise ResourceExistsError("project " + name.upper() + " already exists (case-insensitive)")
        if name.lower() in PROJECTS:
            raise ResourceExistsError(
                "a project with this name already "
                "exists in lower case"
            )
        try:
            data = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise ResourceExistsError(f"payload of {name} already exists as invalid JSON") from exc
        PROJECTS[name] = data
        return data


def create_project(store: ProjectStore, name: str, payload: str) -> tuple[int, str]:
    # store is annotated: the model follows store.create into ProjectStore.create
    try:
        return 201, str(store.create(name, payload))
    except ResourceExistsError as e:
        return 409, str(e)
    except ValueError as e:
        if "already exists" in str(e):
            return 409, str(e)
        return 400, str(e)


def create_untyped(store, name: str, payload: str) -> tuple[int, str]:
    # store has no type: the tool cannot tell which code store.create runs
    try:
        return 201, str(store.create(name, payload))
    except ValueError as e:
        if "already exists" in str(e):
            return 409, str(e)
        return 400, str(e)


def create_checked(name: str, payload: str) -> tuple[int, str]:
    try:
        return 201, str(make_project(name, payload))
    except ResourceExistsError as e:
        return 409, str(e)
    except ValueError as e:
        if "already exists" in str(e):
            return 409, str(e)
        return 400, str(e)


def make_project(name: str, payload: str) -> dict:
    return ProjectStore().create(name, payload)
