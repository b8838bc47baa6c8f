"""Calls to the organisation API that several of its test files make."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.factories.org import Person

API = "/api/v1"


def etag_of(response: Any) -> str:
    etag = response.headers["etag"]
    assert etag, response.headers
    return etag


def unique() -> str:
    return uuid.uuid4().hex[:8]


def create_department(client: TestClient, admin: Person, name: str, code: str) -> Any:
    return client.post(
        f"{API}/departments", json={"name": name, "code": code}, headers=admin.headers
    )


def new_user(**overrides: Any) -> dict[str, Any]:
    return {
        "email": f"user-{unique()}@hospital.example.org",
        "display_name": "Alex Example",
        "roles": ["staff"],
        "profession": "nurse",
        **overrides,
    }


def create_user(client: TestClient, admin: Person, **overrides: Any) -> Any:
    return client.post(f"{API}/users", json=new_user(**overrides), headers=admin.headers)
