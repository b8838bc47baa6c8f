"""User administration (the admin API for people) and one's own profile (/me)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_department, make_person
from tests.org.api import API, create_department, create_user


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
