"""A SCIM client's key (made as the product makes it: created by one administrator,
confirmed by another), and calls to /api/v1/scim/v2."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth import service as auth_service
from haven.auth.schemas import ApiKeyCreate, Role, Scope
from haven.core.db import new_session
from tests.factories.org import Person, make_person

SCIM = "/api/v1/scim/v2"
SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
HAVEN_EXT = "urn:ietf:params:scim:schemas:extension:haven:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass(frozen=True)
class ScimClient:
    """A SCIM client's key and the administrator who created it (the proposer of the
    privileged roles it asks for)."""

    secret: str
    creator: Person
    confirmer: Person

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", "Content-Type": SCIM_JSON}


def make_scim_client(engine: Engine) -> ScimClient:
    creator = make_person(engine, Role.admin)
    confirmer = make_person(engine, Role.admin)
    with new_session(engine) as session:
        created = auth_service.create_api_key(
            session, creator.principal, data=ApiKeyCreate(name="Entra ID", scopes=[Scope.scim])
        )
        session.commit()
    with new_session(engine) as session:
        auth_service.confirm_api_key(
            session, confirmer.principal, api_key_id=created.id, if_match=str(created.version)
        )
        session.commit()
    return ScimClient(created.secret, creator, confirmer)


@pytest.fixture
def scim(engine: Engine) -> ScimClient:
    return make_scim_client(engine)


def user_payload(user_name: str, **extra: Any) -> dict[str, Any]:
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "displayName": "Jane Doe",
        "active": True,
        "emails": [{"value": user_name.lower(), "type": "work", "primary": True}],
        **extra,
    }


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.fixture
def scim_group_roles(settings: Any) -> Iterator[dict[str, list[str]]]:
    """HAVEN_SCIM_GROUP_ROLES for one test: fill the dict it yields."""
    mapping: dict[str, list[str]] = {}
    before = settings.scim.group_roles
    settings.scim.group_roles = mapping
    yield mapping
    settings.scim.group_roles = before


def create_user(client: TestClient, scim: ScimClient, user_name: str, **extra: Any) -> Any:
    response = client.post(
        f"{SCIM}/Users", json=user_payload(user_name, **extra), headers=scim.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def issue_session(engine: Engine, user_id: Any) -> tuple[str, str]:
    """Sign the person in as the sign-in routes do: (access token, refresh token)."""
    from haven.auth.models import User

    with new_session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        tokens = auth_service.issue_tokens(session, user)
        session.commit()
    return tokens.access_token, tokens.refresh_token


def refresh_works(engine: Engine, refresh_token: str) -> bool:
    from haven.core.errors import Unauthorized

    with new_session(engine) as session:
        try:
            auth_service.rotate_refresh_token(session, raw_token=refresh_token)
        except Unauthorized:
            session.commit()
            return False
        session.rollback()
    return True
