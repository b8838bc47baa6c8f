"""Organisation endpoints: who may call what, and that a refused write changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from haven.auth.schemas import Role, Scope
from tests.core.test_http import assert_problem
from tests.factories.org import make_api_key, make_department, make_person
from tests.org.api import API, etag_of, unique

# From DESIGN.md's role table: admins manage the organisation (settings, departments, users,
# API keys) but do not read the audit log; the auditor reads the audit log and its
# verification; everyone signed in reads /me, the organisation and the active departments.
# No org endpoint accepts an API key (no scope covers them), so a key is always refused.

EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.admin})
AUDITOR = frozenset({Role.auditor})


# Send the ETag that a GET of the same URL returns (the organisation's first version is
# whatever the service says it is before anyone saved it).
READ_ETAG = "read"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Callable[[], dict[str, Any]] | None = None
    if_match: str | None = None

    def url(self, client: TestClient, engine: Engine) -> str:
        """The path with its id filled in by a freshly made record (made only when needed)."""
        ids: dict[str, uuid.UUID] = {}
        if "{department_id}" in self.path:
            ids["department_id"] = make_department(engine)
        if "{user_id}" in self.path:
            ids["user_id"] = make_person(engine, Role.staff).id
        if "{grant_id}" in self.path:
            # Proposed by an admin who is not the caller, for someone who is not either.
            proposer = make_person(engine, Role.admin)
            subject = make_person(engine, Role.staff)
            proposed = client.patch(
                f"{API}/users/{subject.id}",
                json={"roles": ["auditor", "staff"]},
                headers={**proposer.headers, "If-Match": '"1"'},
            )
            assert proposed.status_code == 200, proposed.text
            ids["grant_id"] = uuid.UUID(proposed.json()["pending_grant"]["id"])
        if "{api_key_id}" in self.path:
            admin = make_person(engine, Role.admin)
            key = client.post(
                f"{API}/api-keys",
                json={"name": "target", "scopes": ["fhir:read"]},
                headers=admin.headers,
            )
            assert key.status_code == 201, key.text
            ids["api_key_id"] = uuid.UUID(key.json()["id"])
        return API + self.path.format(**ids)


MATRIX: list[tuple[Call, frozenset[Role]]] = [
    (Call("GET", "/me"), EVERYONE),
    (Call("GET", "/organisation"), EVERYONE),
    (Call("PATCH", "/organisation", lambda: {"name": "St Elsewhere"}, READ_ETAG), ADMIN),
    (Call("GET", "/departments"), EVERYONE),
    (Call("POST", "/departments", lambda: {"name": f"Ward {unique()}", "code": unique()}), ADMIN),
    (Call("GET", "/departments/{department_id}"), EVERYONE),
    (Call("PATCH", "/departments/{department_id}", lambda: {"name": "Renamed ward"}, '"1"'), ADMIN),
    (Call("GET", "/users"), ADMIN),
    (
        Call(
            "POST",
            "/users",
            lambda: {
                "email": f"new-{unique()}@hospital.example.org",
                "display_name": "New Person",
                "roles": ["staff"],
                "profession": "nurse",
            },
        ),
        ADMIN,
    ),
    (Call("GET", "/users/{user_id}"), ADMIN),
    (Call("PATCH", "/users/{user_id}", lambda: {"display_name": "Renamed"}, '"1"'), ADMIN),
    (Call("GET", "/role-grants"), ADMIN),
    (Call("GET", "/role-grants/{grant_id}"), ADMIN),
    (Call("POST", "/role-grants/{grant_id}/confirm", None, '"1"'), ADMIN),
    (Call("POST", "/role-grants/{grant_id}/reject", None, '"1"'), ADMIN),
    # Cancelling is the proposer's alone (tests/org/test_role_grants.py); nobody else's.
    (Call("POST", "/role-grants/{grant_id}/cancel", None, '"1"'), frozenset()),
    (Call("GET", "/api-keys"), ADMIN),
    (Call("POST", "/api-keys", lambda: {"name": "feed", "scopes": ["staffing:write"]}), ADMIN),
    (Call("GET", "/api-keys/{api_key_id}"), ADMIN),
    (Call("POST", "/api-keys/{api_key_id}/confirm", None, '"1"'), ADMIN),
    (Call("POST", "/api-keys/{api_key_id}/reject", None, '"1"'), ADMIN),
    # Cancelling is the creator's alone (tests/auth/test_api_key_confirmation.py).
    (Call("POST", "/api-keys/{api_key_id}/cancel", None, '"1"'), frozenset()),
    (Call("DELETE", "/api-keys/{api_key_id}"), ADMIN),
    (Call("GET", "/audit"), AUDITOR),
    (Call("GET", "/audit/verify"), AUDITOR),
]

CALLERS: list[str] = [r.value for r in Role] + ["api_key", "anonymous"]


def _matrix_cases() -> list[Any]:
    cases = []
    for call, allowed in MATRIX:
        for caller in CALLERS:
            if caller == "anonymous":
                expected = 401
            elif caller == "api_key":
                expected = 403
            else:
                expected = 200 if Role(caller) in allowed else 403
            cases.append(
                pytest.param(call, caller, expected, id=f"{call.method} {call.path} {caller}")
            )
    return cases


def _headers_for(engine: Engine, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "api_key":
        return {"Authorization": f"Bearer {make_api_key(engine, list(Scope))}"}
    return make_person(engine, Role(caller)).headers


@pytest.mark.parametrize(("call", "caller", "expected"), _matrix_cases())
def test_role_matrix(
    client: TestClient, engine: Engine, call: Call, caller: str, expected: int
) -> None:
    url = call.url(client, engine)
    headers = _headers_for(engine, caller)
    if call.if_match == READ_ETAG:
        reader = make_person(engine, Role.admin)
        headers["If-Match"] = etag_of(client.get(url, headers=reader.headers))
    elif call.if_match:
        headers["If-Match"] = call.if_match
    response = client.request(
        call.method, url, headers=headers, json=call.body() if call.body else None
    )
    if expected == 200:
        assert 200 <= response.status_code < 300, response.text
    else:
        assert_problem(response, expected)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/departments", {"name": "Sneaky", "code": "SNK"}),
        ("PATCH", "/organisation", {"name": "Sneaky"}),
        (
            "POST",
            "/users",
            {
                "email": "sneaky@hospital.example.org",
                "display_name": "S",
                "roles": ["admin"],
                "profession": "other",
            },
        ),
        ("POST", "/api-keys", {"name": "sneaky", "scopes": ["reports:read"]}),
    ],
)
def test_refused_writes_change_nothing(
    client: TestClient, engine: Engine, session: Session, method: str, path: str, body: dict
) -> None:
    staff = make_person(engine, Role.staff)
    before = session.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one()
    session.rollback()
    response = client.request(
        method, API + path, json=body, headers={**staff.headers, "If-Match": '"1"'}
    )
    assert_problem(response, 403)
    assert session.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() == before
    assert (
        session.execute(sa.text("SELECT count(*) FROM departments WHERE code = 'SNK'")).scalar_one()
        == 0
    )
    assert (
        session.execute(
            sa.text("SELECT count(*) FROM users WHERE email = 'sneaky@hospital.example.org'")
        ).scalar_one()
        == 0
    )
