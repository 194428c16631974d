from fastapi.testclient import TestClient


def create_project(client: TestClient, email: str, name: str) -> int:
    user = client.post("/users", json={"email": email, "name": "Ada"})
    assert user.status_code == 201
    project = client.post(f"/users/{user.json()['id']}/projects", json={"name": name})
    assert project.status_code == 201
    return project.json()["id"]


def test_duplicate_user_is_a_conflict(client: TestClient) -> None:
    assert client.post("/users", json={"email": "grace@example.com", "name": "Grace"}).status_code == 201
    again = client.post("/users", json={"email": "grace@example.com", "name": "Grace"})
    assert again.status_code == 409
    assert again.json() == {"detail": "User with email grace@example.com already exists"}


def test_project_for_unknown_user_is_not_found(client: TestClient) -> None:
    response = client.post("/users/9999/projects", json={"name": "Nowhere"})
    assert response.status_code == 404


def test_item_lifecycle(client: TestClient) -> None:
    project_id = create_project(client, "ada@example.com", "Garden")
    created = client.post(f"/projects/{project_id}/items", json={"name": "Rake", "price_cents": 1500})
    assert created.status_code == 201
    item_id = created.json()["id"]

    duplicate = client.post(f"/projects/{project_id}/items", json={"name": "Rake", "price_cents": 900})
    assert duplicate.status_code == 409
    free = client.post(f"/projects/{project_id}/items", json={"name": "Hoe", "price_cents": 0})
    assert free.json() == {"detail": "Price must be positive"}
    assert free.status_code == 400

    assert client.get(f"/items/{item_id}").json()["name"] == "Rake"
    assert [item["id"] for item in client.get(f"/projects/{project_id}/items").json()] == [item_id]
    assert client.delete(f"/items/{item_id}").status_code == 204
    assert client.get(f"/items/{item_id}").status_code == 404


def test_items_of_unknown_project_are_not_found(client: TestClient) -> None:
    assert client.get("/projects/9999/items").status_code == 404
    missing = client.post("/projects/9999/items", json={"name": "Rake", "price_cents": 1500})
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Project 9999 not found"}
