"""Organisation endpoints: who may call what, departments, user administration, the audit log."""

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
from tests.factories.org import Person, make_api_key, make_department, make_person

API = "/api/v1"


def etag_of(response: Any) -> str:
    etag = response.headers["etag"]
    assert etag, response.headers
    return etag


# =============================================================================================
# The role matrix
# =============================================================================================
#
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


def _unique() -> str:
    return uuid.uuid4().hex[:8]


MATRIX: list[tuple[Call, frozenset[Role]]] = [
    (Call("GET", "/me"), EVERYONE),
    (Call("GET", "/organisation"), EVERYONE),
    (Call("PATCH", "/organisation", lambda: {"name": "St Elsewhere"}, READ_ETAG), ADMIN),
    (Call("GET", "/departments"), EVERYONE),
    (Call("POST", "/departments", lambda: {"name": f"Ward {_unique()}", "code": _unique()}), ADMIN),
    (Call("GET", "/departments/{department_id}"), EVERYONE),
    (Call("PATCH", "/departments/{department_id}", lambda: {"name": "Renamed ward"}, '"1"'), ADMIN),
    (Call("GET", "/users"), ADMIN),
    (
        Call(
            "POST",
            "/users",
            lambda: {
                "email": f"new-{_unique()}@hospital.example.org",
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


# =============================================================================================
# Departments
# =============================================================================================


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


@pytest.fixture
def staff(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


def create_department(client: TestClient, admin: Person, name: str, code: str) -> Any:
    return client.post(
        f"{API}/departments", json={"name": name, "code": code}, headers=admin.headers
    )


def department_names(client: TestClient, person: Person, **params: Any) -> set[str]:
    response = client.get(
        f"{API}/departments", params={"limit": 200, **params}, headers=person.headers
    )
    assert response.status_code == 200, response.text
    return {d["name"] for d in response.json()["items"]}


def test_admin_creates_a_department_with_its_code_stored_upper_case(
    client: TestClient, admin: Person
) -> None:
    response = create_department(client, admin, "Intensive Care", "icu-2")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == "ICU-2"
    assert body["name"] == "Intensive Care"
    assert body["is_active"] is True
    assert response.headers["location"] == f"/api/v1/departments/{body['id']}"
    assert response.headers["etag"] == '"1"'
    fetched = client.get(response.headers["location"], headers=admin.headers).json()
    assert fetched["code"] == "ICU-2"


def test_department_code_change_is_stored_upper_case(client: TestClient, admin: Person) -> None:
    dep = create_department(client, admin, "Paediatrics", "PAED").json()
    response = client.patch(
        f"{API}/departments/{dep['id']}",
        json={"code": "peds"},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["code"] == "PEDS"


def test_department_name_is_unique_regardless_of_case(client: TestClient, admin: Person) -> None:
    assert create_department(client, admin, "Emergency", "ED").status_code == 201
    body = assert_problem(create_department(client, admin, "EMERGENCY", "ER"), 409)
    assert [e["field"] for e in body["errors"]] == ["name"]


def test_department_code_is_unique_regardless_of_case(client: TestClient, admin: Person) -> None:
    assert create_department(client, admin, "Emergency", "ED").status_code == 201
    body = assert_problem(create_department(client, admin, "Emergency Two", "ed"), 409)
    assert [e["field"] for e in body["errors"]] == ["code"]


def test_department_name_with_accents_is_unique_regardless_of_case(
    client: TestClient, admin: Person
) -> None:
    assert create_department(client, admin, "Ärztlicher Dienst", "AD").status_code == 201
    body = assert_problem(create_department(client, admin, "ärztlicher dienst", "AD2"), 409)
    assert [e["field"] for e in body["errors"]] == ["name"]


def test_renaming_a_department_to_a_taken_name_is_409(client: TestClient, admin: Person) -> None:
    create_department(client, admin, "Cardiology", "CARD")
    other = create_department(client, admin, "Oncology", "ONC").json()
    response = client.patch(
        f"{API}/departments/{other['id']}",
        json={"name": "cardiology"},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    body = assert_problem(response, 409)
    assert [e["field"] for e in body["errors"]] == ["name"]


def test_admin_renames_a_department(client: TestClient, admin: Person, staff: Person) -> None:
    dep = create_department(client, admin, "Theatres", "TH").json()
    response = client.patch(
        f"{API}/departments/{dep['id']}",
        json={"name": "Operating Theatres"},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Operating Theatres"
    assert response.headers["etag"] == '"2"'
    assert "Operating Theatres" in department_names(client, staff)


def test_department_can_change_only_the_case_of_its_own_name(
    client: TestClient, admin: Person
) -> None:
    dep = create_department(client, admin, "Day surgery", "DS").json()
    response = client.patch(
        f"{API}/departments/{dep['id']}",
        json={"name": "Day Surgery"},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text


def test_deactivated_department_is_hidden_from_non_admins(
    client: TestClient, admin: Person, staff: Person
) -> None:
    dep = create_department(client, admin, "Old Ward", "OLD").json()
    response = client.patch(
        f"{API}/departments/{dep['id']}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert "Old Ward" not in department_names(client, staff)
    assert "Old Ward" not in department_names(client, staff, include_inactive="true")


def test_admin_sees_inactive_departments_only_when_asking(
    client: TestClient, admin: Person
) -> None:
    dep = create_department(client, admin, "Old Ward", "OLD").json()
    client.patch(
        f"{API}/departments/{dep['id']}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert "Old Ward" not in department_names(client, admin)
    assert "Old Ward" in department_names(client, admin, include_inactive="true")


def test_deactivated_department_keeps_its_name_reserved(client: TestClient, admin: Person) -> None:
    dep = create_department(client, admin, "Old Ward", "OLD").json()
    client.patch(
        f"{API}/departments/{dep['id']}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert_problem(create_department(client, admin, "Old Ward", "NEW"), 409)


def test_department_patch_needs_if_match(client: TestClient, admin: Person) -> None:
    dep = create_department(client, admin, "Renal", "REN").json()
    url = f"{API}/departments/{dep['id']}"
    assert_problem(client.patch(url, json={"name": "Nephrology"}, headers=admin.headers), 428)
    stale = client.patch(
        url, json={"name": "Nephrology"}, headers={**admin.headers, "If-Match": '"7"'}
    )
    assert_problem(stale, 412)
    assert client.get(url, headers=admin.headers).json()["name"] == "Renal"


def test_unknown_department_is_404(client: TestClient, staff: Person) -> None:
    assert_problem(client.get(f"{API}/departments/{uuid.uuid4()}", headers=staff.headers), 404)


def test_departments_are_never_hard_deleted(client: TestClient, admin: Person) -> None:
    dep = create_department(client, admin, "Keep", "KEEP").json()
    assert_problem(client.delete(f"{API}/departments/{dep['id']}", headers=admin.headers), 405)


# =============================================================================================
# The organisation
# =============================================================================================


def test_admin_updates_the_organisation_with_if_match(
    client: TestClient, admin: Person, staff: Person
) -> None:
    read = client.get(f"{API}/organisation", headers=staff.headers)
    assert read.status_code == 200
    response = client.patch(
        f"{API}/organisation",
        json={"name": "St Mary's", "time_zone": "Europe/London"},
        headers={**admin.headers, "If-Match": etag_of(read)},
    )
    assert response.status_code == 200, response.text
    again = client.get(f"{API}/organisation", headers=staff.headers)
    assert again.json()["name"] == "St Mary's"
    assert again.json()["time_zone"] == "Europe/London"
    assert etag_of(again) != etag_of(read)


def test_organisation_patch_needs_if_match(client: TestClient, admin: Person) -> None:
    assert_problem(
        client.patch(f"{API}/organisation", json={"name": "X"}, headers=admin.headers), 428
    )


def test_organisation_refuses_an_unknown_time_zone(client: TestClient, admin: Person) -> None:
    etag = etag_of(client.get(f"{API}/organisation", headers=admin.headers))
    response = client.patch(
        f"{API}/organisation",
        json={"time_zone": "Mars/Olympus_Mons"},
        headers={**admin.headers, "If-Match": etag},
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["time_zone"]


# =============================================================================================
# Users
# =============================================================================================


def new_user(**overrides: Any) -> dict[str, Any]:
    return {
        "email": f"user-{_unique()}@hospital.example.org",
        "display_name": "Alex Example",
        "roles": ["staff"],
        "profession": "nurse",
        **overrides,
    }


def create_user(client: TestClient, admin: Person, **overrides: Any) -> Any:
    return client.post(f"{API}/users", json=new_user(**overrides), headers=admin.headers)


def sign_in(client: TestClient, email: str, password: str) -> Any:
    return client.post(f"{API}/auth/token", data={"username": email, "password": password})


def test_user_created_without_password_gets_a_generated_one_shown_once(
    client: TestClient, admin: Person
) -> None:
    response = create_user(client, admin, email="Nurse.Jo@Hospital.example.org")
    assert response.status_code == 201, response.text
    body = response.json()
    password = body["initial_password"]
    assert isinstance(password, str) and len(password) >= 12
    assert body["email"] == "nurse.jo@hospital.example.org"
    assert response.headers["location"] == f"/api/v1/users/{body['id']}"
    fetched = client.get(response.headers["location"], headers=admin.headers)
    assert "initial_password" not in fetched.json()
    assert password not in fetched.text
    listed = client.get(f"{API}/users", params={"limit": 200}, headers=admin.headers)
    assert password not in listed.text
    assert sign_in(client, "nurse.jo@hospital.example.org", password).status_code == 200


def test_user_created_with_a_password_gets_no_initial_password(
    client: TestClient, admin: Person
) -> None:
    response = create_user(
        client, admin, email="given@hospital.example.org", password="a long given password"
    )
    assert response.status_code == 201, response.text
    assert response.json()["initial_password"] is None
    assert "a long given password" not in response.text
    assert sign_in(client, "given@hospital.example.org", "a long given password").status_code == 200


def test_user_responses_never_carry_password_material(client: TestClient, admin: Person) -> None:
    created = create_user(client, admin, password="a long given password").json()
    fetched = client.get(f"{API}/users/{created['id']}", headers=admin.headers).json()
    for body in (created, fetched):
        assert not {"password", "password_hash", "failed_login_count", "locked_until"} & set(body)


def test_duplicate_email_is_409_regardless_of_case(client: TestClient, admin: Person) -> None:
    assert create_user(client, admin, email="dup@hospital.example.org").status_code == 201
    body = assert_problem(create_user(client, admin, email="DUP@hospital.example.org"), 409)
    assert [e["field"] for e in body["errors"]] == ["email"]


def test_department_lead_without_a_department_is_422(client: TestClient, admin: Person) -> None:
    body = assert_problem(create_user(client, admin, roles=["department_lead"]), 422)
    assert [e["field"] for e in body["errors"]] == ["department_id"]


def test_user_in_an_unknown_department_is_422(client: TestClient, admin: Person) -> None:
    body = assert_problem(create_user(client, admin, department_id=str(uuid.uuid4())), 422)
    assert [e["field"] for e in body["errors"]] == ["department_id"]


def test_user_in_an_inactive_department_is_422(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    dep = create_department(client, admin, "Closed", "CLOSED").json()
    client.patch(
        f"{API}/departments/{dep['id']}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert_problem(create_user(client, admin, department_id=dep["id"]), 422)


def test_department_lead_with_a_department_is_created(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    dep = make_department(engine)
    response = create_user(
        client, admin, roles=["department_lead", "staff"], department_id=str(dep)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    # Leading waits for a second administrator (DESIGN.md, "Separation of roles").
    assert body["roles"] == ["staff"]
    assert body["pending_grant"]["roles"] == ["department_lead"]
    assert body["pending_grant"]["department_id"] == str(dep)


def test_making_a_user_a_lead_without_a_department_is_422(
    client: TestClient, admin: Person, staff: Person
) -> None:
    response = client.patch(
        f"{API}/users/{staff.id}",
        json={"roles": ["department_lead"]},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 422)


def test_removing_a_leads_department_is_422(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    lead = make_person(engine, Role.department_lead)
    response = client.patch(
        f"{API}/users/{lead.id}",
        json={"department_id": None},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 422)


def user_ids(client: TestClient, admin: Person, **params: Any) -> set[str]:
    response = client.get(f"{API}/users", params={"limit": 200, **params}, headers=admin.headers)
    assert response.status_code == 200, response.text
    return {u["id"] for u in response.json()["items"]}


def test_users_can_be_listed_by_department(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    ward = make_department(engine)
    other = make_department(engine)
    inside = make_person(engine, Role.staff, department_id=ward)
    make_person(engine, Role.staff, department_id=other)
    assert user_ids(client, admin, department_id=str(ward)) == {str(inside.id)}


def test_users_can_be_listed_by_role(client: TestClient, engine: Engine, admin: Person) -> None:
    supporter = make_person(engine, Role.peer_supporter)
    both = make_person(engine, Role.staff, Role.peer_supporter)
    make_person(engine, Role.staff)
    assert user_ids(client, admin, role="peer_supporter") == {str(supporter.id), str(both.id)}


def test_listing_by_an_unknown_role_is_422(client: TestClient, admin: Person) -> None:
    assert_problem(
        client.get(f"{API}/users", params={"role": "wizard"}, headers=admin.headers), 422
    )


def test_deactivated_users_are_listed_only_when_asking(
    client: TestClient, admin: Person, staff: Person
) -> None:
    client.patch(
        f"{API}/users/{staff.id}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert str(staff.id) not in user_ids(client, admin)
    assert str(staff.id) in user_ids(client, admin, include_inactive="true")


def test_user_patch_without_if_match_is_428(
    client: TestClient, admin: Person, staff: Person
) -> None:
    response = client.patch(
        f"{API}/users/{staff.id}", json={"display_name": "X"}, headers=admin.headers
    )
    assert_problem(response, 428)


def test_user_patch_with_a_stale_if_match_is_412(
    client: TestClient, admin: Person, staff: Person
) -> None:
    url = f"{API}/users/{staff.id}"
    first = client.patch(
        url, json={"display_name": "First"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    stale = client.patch(
        url, json={"display_name": "Second"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert_problem(stale, 412)
    assert client.get(url, headers=admin.headers).json()["display_name"] == "First"


def confirm_pending(client: TestClient, engine: Engine, response: Any) -> None:
    """A second administrator confirms the privileged roles a change left pending."""
    grant = response.json()["pending_grant"]
    second = make_person(engine, Role.admin)
    confirmed = client.post(
        f"{API}/role-grants/{grant['id']}/confirm",
        headers={**second.headers, "If-Match": f'"{grant["version"]}"'},
    )
    assert confirmed.status_code == 200, confirmed.text


def test_user_patch_changes_roles_and_department(
    client: TestClient, engine: Engine, admin: Person, staff: Person
) -> None:
    dep = make_department(engine)
    response = client.patch(
        f"{API}/users/{staff.id}",
        json={"roles": ["department_lead"], "department_id": str(dep)},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    now = client.get(f"{API}/users/{staff.id}", headers=admin.headers).json()
    # The department and the removal of staff apply at once; leading waits.
    assert now["roles"] == [] and now["department_id"] == str(dep)
    confirm_pending(client, engine, response)
    me = client.get(f"{API}/me", headers=staff.headers).json()
    assert me["roles"] == ["department_lead"] and me["department_id"] == str(dep)


def test_role_change_takes_effect_on_the_existing_token(
    client: TestClient, engine: Engine, admin: Person, staff: Person
) -> None:
    assert_problem(client.get(f"{API}/users", headers=staff.headers), 403)
    response = client.patch(
        f"{API}/users/{staff.id}",
        json={"roles": ["admin"]},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert_problem(client.get(f"{API}/users", headers=staff.headers), 403)
    confirm_pending(client, engine, response)
    assert client.get(f"{API}/users", headers=staff.headers).status_code == 200


def test_admin_cannot_deactivate_themself(client: TestClient, admin: Person) -> None:
    response = client.patch(
        f"{API}/users/{admin.id}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 409)
    assert client.get(f"{API}/users/{admin.id}", headers=admin.headers).json()["is_active"] is True


def test_admin_cannot_drop_their_own_admin_role(client: TestClient, admin: Person) -> None:
    response = client.patch(
        f"{API}/users/{admin.id}",
        json={"roles": ["staff"]},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    body = assert_problem(response, 403)
    assert [e["field"] for e in body["errors"]] == ["roles"]
    assert client.get(f"{API}/users/{admin.id}", headers=admin.headers).json()["roles"] == ["admin"]


def test_admin_cannot_add_roles_to_their_own_account(client: TestClient, admin: Person) -> None:
    # Not even staff: nobody changes their own roles (DESIGN.md, "Separation of roles").
    response = client.patch(
        f"{API}/users/{admin.id}",
        json={"roles": ["admin", "staff"]},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    body = assert_problem(response, 403)
    assert [e["field"] for e in body["errors"]] == ["roles"]
    assert client.get(f"{API}/users/{admin.id}", headers=admin.headers).json()["roles"] == ["admin"]


def test_users_are_never_hard_deleted(client: TestClient, admin: Person, staff: Person) -> None:
    assert_problem(client.delete(f"{API}/users/{staff.id}", headers=admin.headers), 405)
    assert client.get(f"{API}/users/{staff.id}", headers=admin.headers).status_code == 200


def test_changing_email_to_one_in_use_is_409(
    client: TestClient, engine: Engine, admin: Person, staff: Person
) -> None:
    other = make_person(engine, Role.staff)
    response = client.patch(
        f"{API}/users/{staff.id}",
        json={"email": other.email.upper()},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    body = assert_problem(response, 409)
    assert [e["field"] for e in body["errors"]] == ["email"]


def test_me_shows_own_profile_with_department_name(client: TestClient, engine: Engine) -> None:
    dep = make_department(engine, name="Maternity", code="MAT")
    person = make_person(engine, Role.staff, department_id=dep)
    me = client.get(f"{API}/me", headers=person.headers).json()
    assert me["id"] == str(person.id)
    assert me["department_name"] == "Maternity"
    assert me["roles"] == ["staff"]


# =============================================================================================
# The audit log
# =============================================================================================


@pytest.fixture
def auditor(engine: Engine) -> Person:
    return make_person(engine, Role.auditor)


def audit_items(client: TestClient, auditor: Person, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit", params={"limit": 200, **params}, headers=auditor.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_every_admin_change_writes_an_audit_row(
    client: TestClient, admin: Person, auditor: Person, staff: Person
) -> None:
    h = admin.headers
    etag = etag_of(client.get(f"{API}/organisation", headers=h))
    org = client.patch(
        f"{API}/organisation", json={"name": "Audited"}, headers={**h, "If-Match": etag}
    )
    assert org.status_code == 200
    dep = create_department(client, admin, "Secret Ward Name", "SWN").json()
    client.patch(
        f"{API}/departments/{dep['id']}",
        json={"name": "Secret Ward Two"},
        headers={**h, "If-Match": '"1"'},
    )
    user = create_user(client, admin, email="audited@hospital.example.org").json()
    client.patch(
        f"{API}/users/{user['id']}",
        json={"display_name": "Renamed Person"},
        headers={**h, "If-Match": '"1"'},
    )
    key = client.post(
        f"{API}/api-keys", json={"name": "Audited key", "scopes": ["fhir:read"]}, headers=h
    ).json()
    assert client.delete(f"{API}/api-keys/{key['id']}", headers=h).status_code == 204

    response = client.get(
        f"{API}/audit", params={"actor_id": str(admin.id)}, headers=auditor.headers
    )
    assert response.status_code == 200
    rows = response.json()["items"]
    seen = [(r["action"], r["object_type"], r["object_id"]) for r in reversed(rows)]
    assert seen == [
        ("organisation.updated", "organisation", None),
        ("department.created", "department", dep["id"]),
        ("department.updated", "department", dep["id"]),
        ("user.created", "user", user["id"]),
        ("user.updated", "user", user["id"]),
        ("api_key.created", "api_key", key["id"]),
        ("api_key.revoked", "api_key", key["id"]),
    ]
    assert all(r["actor_type"] == "user" and r["actor_id"] == str(admin.id) for r in rows)
    # Rows name the actor and the object, never content.
    for text in ("Audited", "Secret Ward", "audited@", "Renamed Person", "Audited key"):
        assert text not in response.text


def test_audit_rows_are_newest_first_and_filter_by_object(
    client: TestClient, admin: Person, auditor: Person
) -> None:
    dep = create_department(client, admin, "Filtered", "FIL").json()
    client.patch(
        f"{API}/departments/{dep['id']}",
        json={"name": "Filtered 2"},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    create_department(client, admin, "Other", "OTH")
    rows = audit_items(client, auditor, object_id=dep["id"])
    assert [r["action"] for r in rows] == ["department.updated", "department.created"]
    assert rows[0]["seq"] > rows[1]["seq"]


def test_audit_chain_verifies_after_changes(
    client: TestClient, admin: Person, auditor: Person
) -> None:
    for n in range(3):
        create_department(client, admin, f"Chain {n}", f"CH{n}")
    response = client.get(f"{API}/audit/verify", headers=auditor.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["first_broken_seq"] is None
    assert body["checked"] == len(audit_items(client, auditor)) >= 3


def _chain_with_departments(client: TestClient, admin: Person, auditor: Person) -> list[int]:
    for n in range(4):
        assert create_department(client, admin, f"Chain {n}", f"CH{n}").status_code == 201
    return sorted(r["seq"] for r in audit_items(client, auditor))


def verify(client: TestClient, auditor: Person) -> dict[str, Any]:
    response = client.get(f"{API}/audit/verify", headers=auditor.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_audit_verify_detects_an_edited_row(
    client: TestClient, admin: Person, auditor: Person, session: Session
) -> None:
    seqs = _chain_with_departments(client, admin, auditor)
    target = seqs[len(seqs) // 2]
    session.execute(
        sa.text("UPDATE audit_events SET action = 'department.viewed' WHERE seq = :s"),
        {"s": target},
    )
    session.commit()
    body = verify(client, auditor)
    assert body["ok"] is False
    assert body["first_broken_seq"] == target
    assert body["checked"] == target - 1


def test_audit_verify_detects_an_edited_row_whose_hash_was_recomputed(
    client: TestClient, admin: Person, auditor: Person, session: Session
) -> None:
    from haven.core.audit import row_hash
    from haven.core.models import AuditEvent

    seqs = _chain_with_departments(client, admin, auditor)
    target = seqs[len(seqs) // 2]
    row = session.get(AuditEvent, target)
    assert row is not None
    row.actor_id = uuid.uuid4()
    row.hash = row_hash(row)
    session.add(row)
    session.commit()
    body = verify(client, auditor)
    assert body["ok"] is False
    assert body["first_broken_seq"] == target + 1


def test_audit_verify_detects_a_deleted_row(
    client: TestClient, admin: Person, auditor: Person, session: Session
) -> None:
    seqs = _chain_with_departments(client, admin, auditor)
    target = seqs[len(seqs) // 2]
    session.execute(sa.text("DELETE FROM audit_events WHERE seq = :s"), {"s": target})
    session.commit()
    body = verify(client, auditor)
    assert body["ok"] is False
    assert body["first_broken_seq"] == target


def test_audit_verify_detects_a_deleted_last_row(
    client: TestClient, admin: Person, auditor: Person, session: Session
) -> None:
    seqs = _chain_with_departments(client, admin, auditor)
    session.execute(sa.text("DELETE FROM audit_events WHERE seq = :s"), {"s": seqs[-1]})
    session.commit()
    body = verify(client, auditor)
    assert body["ok"] is False
    assert body["first_broken_seq"] == seqs[-1]


def test_audit_verify_detects_a_deleted_first_row(
    client: TestClient, admin: Person, auditor: Person, session: Session
) -> None:
    seqs = _chain_with_departments(client, admin, auditor)
    session.execute(sa.text("DELETE FROM audit_events WHERE seq = :s"), {"s": seqs[0]})
    session.commit()
    body = verify(client, auditor)
    assert body["ok"] is False
    assert body["first_broken_seq"] == seqs[0]


def test_the_chain_continues_to_verify_after_more_changes(
    client: TestClient, admin: Person, auditor: Person
) -> None:
    _chain_with_departments(client, admin, auditor)
    assert verify(client, auditor)["ok"] is True
    create_department(client, admin, "Later", "LATER")
    body = verify(client, auditor)
    assert body["ok"] is True
    assert body["checked"] == len(audit_items(client, auditor))
