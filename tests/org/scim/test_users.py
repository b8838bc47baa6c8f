"""SCIM /Users: create, read, list and filter, replace, patch (Entra ID's dialect too), the
soft delete, and what becomes of the Haven account."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.factories.org import Person, make_department, make_person
from tests.org.api import API
from tests.org.scim.conftest import (
    ENTERPRISE,
    HAVEN_EXT,
    SCIM,
    SCIM_JSON,
    ScimClient,
    create_user,
    issue_session,
    patch,
    refresh_works,
    user_payload,
)


def scim_error(response: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == SCIM_JSON
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    return dict(body)


def test_a_created_user_is_a_haven_account_with_what_the_directory_said(
    client: TestClient, engine: Engine, scim: ScimClient, admin: Person
) -> None:
    department = make_department(engine, name="Emergency Department", code="ED")
    response = client.post(
        f"{SCIM}/Users",
        json=user_payload(
            "JDoe@Hospital.example.org",
            externalId="00aa-11bb",
            displayName="Jane Doe",
            **{
                ENTERPRISE: {"department": "emergency department"},
                HAVEN_EXT: {"profession": "Nurse"},
            },
        ),
        headers=scim.headers,
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == SCIM_JSON
    body = response.json()
    assert response.headers["location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/api/v1/scim/v2/Users/{body['id']}")
    assert (body["userName"], body["externalId"], body["active"]) == (
        "JDoe@Hospital.example.org",
        "00aa-11bb",
        True,
    )
    assert body["emails"] == [{"value": "jdoe@hospital.example.org", "type": "work"}]
    assert body[ENTERPRISE] == {"department": "emergency department"}
    assert body[HAVEN_EXT] == {"profession": "nurse"}
    account = client.get(f"{API}/users/{body['id']}", headers=admin.headers).json()
    assert account["email"] == "jdoe@hospital.example.org"
    assert account["department_id"] == str(department)
    # New people hold HAVEN_SCIM_NEW_USER_ROLES (staff); groups add more.
    assert (account["profession"], account["roles"], account["is_active"]) == (
        "nurse",
        ["staff"],
        True,
    )


def test_what_haven_does_not_store_is_ignored_and_never_kept(
    client: TestClient, engine: Engine, scim: ScimClient
) -> None:
    body = create_user(
        client,
        scim,
        "nurse.kim@hospital.example.org",
        title="Charge nurse",
        phoneNumbers=[{"value": "+44 20 7946 0000", "type": "work"}],
        password="not-a-haven-password",
        **{ENTERPRISE: {"department": "ED", "employeeNumber": "4711"}},
    )
    fetched = client.get(f"{SCIM}/Users/{body['id']}", headers=scim.headers)
    for text in (str(body), fetched.text):
        assert "Charge nurse" not in text and "7946" not in text and "4711" not in text
    with engine.connect() as conn:
        hashed = conn.execute(
            sa.text("SELECT password_hash FROM users WHERE id = :id"),
            {"id": uuid.UUID(body["id"]).hex if engine.dialect.name == "sqlite" else body["id"]},
        ).scalar()
    assert hashed is None  # a directory's accounts sign in through the identity provider


def test_a_creation_without_display_name_or_emails_takes_them_from_name_and_user_name(
    client: TestClient, scim: ScimClient
) -> None:
    payload = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Ravi.Patel@hospital.example.org",
        "name": {"givenName": "Ravi", "familyName": "Patel"},
    }
    response = client.post(f"{SCIM}/Users", json=payload, headers=scim.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["displayName"], body["active"]) == ("Ravi Patel", True)
    assert body["emails"] == [{"value": "ravi.patel@hospital.example.org", "type": "work"}]


def test_keys_are_unique_user_name_without_case(
    client: TestClient, engine: Engine, scim: ScimClient
) -> None:
    create_user(client, scim, "Sam@hospital.example.org", externalId="sam-1")
    for payload in (
        user_payload("SAM@HOSPITAL.example.org", emails=[{"value": "other@hospital.example.org"}]),
        user_payload("sam2@hospital.example.org", externalId="sam-1"),
        user_payload("sam3@hospital.example.org", emails=[{"value": "sam@hospital.example.org"}]),
    ):
        response = client.post(f"{SCIM}/Users", json=payload, headers=scim.headers)
        scim_error(response, 409, "uniqueness")
    # An account an administrator made answers to its email as its userName.
    make_person(engine, Role.staff, email="kept@hospital.example.org")
    response = client.post(
        f"{SCIM}/Users", json=user_payload("KEPT@hospital.example.org"), headers=scim.headers
    )
    scim_error(response, 409, "uniqueness")


def test_an_existing_account_is_found_by_its_email_and_linked(
    client: TestClient, engine: Engine, scim: ScimClient
) -> None:
    person = make_person(engine, Role.staff, email="before.scim@hospital.example.org")
    found = client.get(
        f"{SCIM}/Users",
        params={"filter": 'userName eq "Before.SCIM@hospital.example.org"'},
        headers=scim.headers,
    ).json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == str(person.id)
    linked = client.patch(
        f"{SCIM}/Users/{person.id}",
        json=patch({"op": "add", "path": "externalId", "value": "entra-oid-1"}),
        headers=scim.headers,
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["externalId"] == "entra-oid-1"
    # The account keeps its roles: a directory does not take what an administrator gave.
    assert linked.json().get("groups") is None
    by_external = client.get(
        f"{SCIM}/Users", params={"filter": 'externalId eq "entra-oid-1"'}, headers=scim.headers
    ).json()
    assert [r["id"] for r in by_external["Resources"]] == [str(person.id)]


def test_lists_page_by_start_index_and_count(client: TestClient, scim: ScimClient) -> None:
    for n in range(3):
        create_user(client, scim, f"page{n}@hospital.example.org", externalId=f"page-{n}")
    query = 'externalId eq "page-0" or externalId eq "page-1" or externalId eq "page-2"'
    first = client.get(
        f"{SCIM}/Users", params={"filter": query, "count": 2}, headers=scim.headers
    ).json()
    assert (first["totalResults"], first["startIndex"], first["itemsPerPage"]) == (3, 1, 2)
    rest = client.get(
        f"{SCIM}/Users", params={"filter": query, "startIndex": 3, "count": 2}, headers=scim.headers
    ).json()
    assert (rest["startIndex"], rest["itemsPerPage"]) == (3, 1)
    names = {r["userName"] for r in first["Resources"] + rest["Resources"]}
    assert names == {f"page{n}@hospital.example.org" for n in range(3)}
    none = client.get(
        f"{SCIM}/Users", params={"filter": query, "count": 0}, headers=scim.headers
    ).json()
    assert (none["totalResults"], none["itemsPerPage"]) == (3, 0)
    bad = client.get(f"{SCIM}/Users", params={"count": "many"}, headers=scim.headers)
    scim_error(bad, 400, "invalidValue")


def test_filters_support_eq_with_and_or_and_refuse_the_rest(
    client: TestClient, scim: ScimClient
) -> None:
    user = create_user(client, scim, "filter.me@hospital.example.org", externalId="F-1")

    def ids(expression: str) -> list[str]:
        response = client.get(f"{SCIM}/Users", params={"filter": expression}, headers=scim.headers)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["Resources"]]

    assert ids('userName eq "FILTER.me@hospital.example.org"') == [user["id"]]
    assert ids('externalId eq "f-1"') == []  # externalId is compared exactly
    assert ids('externalId eq "F-1" and userName eq "filter.me@hospital.example.org"') == [
        user["id"]
    ]
    assert ids('(externalId eq "nope") or emails[value eq "filter.me@hospital.example.org"]') == [
        user["id"]
    ]
    assert ids(f'urn:ietf:params:scim:schemas:core:2.0:User:id eq "{user["id"]}"') == [user["id"]]
    assert ids('id eq "not-a-uuid"') == []
    for unsupported in (
        'userName co "filter"',
        'userName sw "filter"',
        "userName pr",
        'not (userName eq "x")',
        'title eq "Nurse"',
        "active eq true",
        'userName eq "unclosed',
    ):
        response = client.get(f"{SCIM}/Users", params={"filter": unsupported}, headers=scim.headers)
        scim_error(response, 400, "invalidFilter")


def test_entra_id_patches_apply(client: TestClient, engine: Engine, scim: ScimClient) -> None:
    make_department(engine, name="Intensive Care", code="ICU")
    user = create_user(client, scim, "entra@hospital.example.org", externalId="oid-9")
    response = client.patch(
        f"{SCIM}/Users/{user['id']}",
        json=patch(
            {"op": "Replace", "path": "displayName", "value": "Entra Person"},
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "new@hospital.example.org",
            },
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "ICU"},
            {"op": "Add", "path": "name.givenName", "value": "Ignored"},
            {"op": "Remove", "path": "externalId"},
        ),
        headers=scim.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["displayName"] == "Entra Person"
    assert body["emails"] == [{"value": "new@hospital.example.org", "type": "work"}]
    assert body[ENTERPRISE] == {"department": "ICU"}
    assert "externalId" not in body and "name" not in body
    assert client.get(f"{SCIM}/Users/{user['id']}", headers=scim.headers).json() == body


def test_a_failing_operation_leaves_the_person_as_they_were(
    client: TestClient, scim: ScimClient
) -> None:
    create_user(client, scim, "taken@hospital.example.org")
    user = create_user(client, scim, "atomic@hospital.example.org")
    response = client.patch(
        f"{SCIM}/Users/{user['id']}",
        json=patch(
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "userName", "value": "taken@hospital.example.org"},
        ),
        headers=scim.headers,
    )
    scim_error(response, 409, "uniqueness")
    assert client.get(f"{SCIM}/Users/{user['id']}", headers=scim.headers).json() == user
    for bad in (
        patch({"op": "replace", "path": "active", "value": "perhaps"}),
        patch({"op": "replace", "path": "groups", "value": []}),
        patch({"op": "remove", "path": "userName"}),
        patch({"op": "jump", "path": "displayName", "value": "x"}),
        {"Operations": "not a list"},
    ):
        response = client.patch(f"{SCIM}/Users/{user['id']}", json=bad, headers=scim.headers)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["scimType"] in {
            "invalidValue",
            "mutability",
            "invalidSyntax",
            "invalidPath",
        }


def test_a_replacement_changes_what_it_asserts_and_keeps_what_it_leaves_out(
    client: TestClient, engine: Engine, scim: ScimClient
) -> None:
    make_department(engine, name="Pharmacy", code="PHA")
    user = create_user(
        client,
        scim,
        "put@hospital.example.org",
        externalId="put-1",
        **{ENTERPRISE: {"department": "PHA"}, HAVEN_EXT: {"profession": "pharmacist"}},
    )
    replaced = client.put(
        f"{SCIM}/Users/{user['id']}",
        json=user_payload("put@hospital.example.org", displayName="Put Again"),
        headers=scim.headers,
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["displayName"] == "Put Again"
    assert (body["externalId"], body[ENTERPRISE], body[HAVEN_EXT]) == (
        "put-1",
        {"department": "PHA"},
        {"profession": "pharmacist"},
    )
    cleared = client.put(
        f"{SCIM}/Users/{user['id']}",
        json=user_payload("put@hospital.example.org", **{ENTERPRISE: {"department": None}}),
        headers=scim.headers,
    ).json()
    assert ENTERPRISE not in cleared


def test_a_department_haven_does_not_know_is_kept_as_said_without_a_haven_department(
    client: TestClient, scim: ScimClient, admin: Person
) -> None:
    user = create_user(
        client, scim, "ward@hospital.example.org", **{ENTERPRISE: {"department": "Ward 7B"}}
    )
    assert user[ENTERPRISE] == {"department": "Ward 7B"}
    account = client.get(f"{API}/users/{user['id']}", headers=admin.headers).json()
    assert account["department_id"] is None


def test_delete_is_soft_and_frees_the_directory_keys(
    client: TestClient, engine: Engine, scim: ScimClient, admin: Person
) -> None:
    user = create_user(client, scim, "leaver@hospital.example.org", externalId="leaver-1")
    access, refresh = issue_session(engine, uuid.UUID(user["id"]))
    deleted = client.delete(f"{SCIM}/Users/{user['id']}", headers=scim.headers)
    assert deleted.status_code == 204 and deleted.content == b""
    response = client.get(f"{SCIM}/Users/{user['id']}", headers=scim.headers)
    scim_error(response, 404)
    listed = client.get(
        f"{SCIM}/Users",
        params={"filter": 'userName eq "leaver@hospital.example.org"'},
        headers=scim.headers,
    ).json()
    assert listed["totalResults"] == 0
    scim_error(client.delete(f"{SCIM}/Users/{user['id']}", headers=scim.headers), 404)
    # Sessions ended; the account is kept (its records keep their author), deactivated.
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401
    assert not refresh_works(engine, refresh)
    account = client.get(f"{API}/users/{user['id']}", headers=admin.headers).json()
    assert (account["is_active"], account["roles"]) == (False, [])
    # The directory may reuse its id; the address stays taken until an administrator decides.
    again = client.post(
        f"{SCIM}/Users",
        json=user_payload("leaver2@hospital.example.org", externalId="leaver-1"),
        headers=scim.headers,
    )
    assert again.status_code == 201, again.text
    same_address = client.post(
        f"{SCIM}/Users", json=user_payload("leaver@hospital.example.org"), headers=scim.headers
    )
    assert "deleted account" in scim_error(same_address, 409, "uniqueness")["detail"]
    # The same person back: an administrator reactivates; SCIM finds the account again.
    reactivated = client.patch(
        f"{API}/users/{user['id']}",
        json={"is_active": True},
        headers={**admin.headers, "If-Match": f'"{account["version"]}"'},
    )
    assert reactivated.status_code == 200, reactivated.text
    found = client.get(
        f"{SCIM}/Users",
        params={"filter": 'userName eq "leaver@hospital.example.org"'},
        headers=scim.headers,
    ).json()
    assert [r["id"] for r in found["Resources"]] == [user["id"]]
    # Old sessions do not come back with it.
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(
    client: TestClient, engine: Engine, scim: ScimClient
) -> None:
    user = create_user(client, scim, "paused@hospital.example.org")
    access, refresh = issue_session(engine, uuid.UUID(user["id"]))
    me = {"Authorization": f"Bearer {access}"}
    assert client.get(f"{API}/me", headers=me).status_code == 200
    off = client.patch(
        f"{SCIM}/Users/{user['id']}",
        json=patch({"op": "replace", "value": {"active": False}}),
        headers=scim.headers,
    )
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get(f"{API}/me", headers=me).status_code == 401
    assert not refresh_works(engine, refresh)
    on = client.patch(
        f"{SCIM}/Users/{user['id']}",
        json=patch({"op": "replace", "path": "active", "value": True}),
        headers=scim.headers,
    )
    assert on.json()["active"] is True
    assert client.get(f"{API}/me", headers=me).status_code == 401
    fresh, _ = issue_session(engine, uuid.UUID(user["id"]))
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_unknown_users_and_malformed_bodies_are_scim_errors(
    client: TestClient, scim: ScimClient
) -> None:
    scim_error(client.get(f"{SCIM}/Users/{uuid.uuid4()}", headers=scim.headers), 404)
    scim_error(client.get(f"{SCIM}/Users/not-a-uuid", headers=scim.headers), 404)
    malformed = client.post(f"{SCIM}/Users", content=b"{not json", headers=scim.headers)
    scim_error(malformed, 400, "invalidSyntax")
    scim_error(
        client.post(f"{SCIM}/Users", json=[1, 2], headers=scim.headers), 400, "invalidSyntax"
    )
    no_user_name = client.post(
        f"{SCIM}/Users",
        json=user_payload("x@hospital.example.org", userName=None),
        headers=scim.headers,
    )
    assert no_user_name.status_code == 400
    bad_email = client.post(
        f"{SCIM}/Users",
        json=user_payload("y@hospital.example.org", emails=[{"value": "not an address"}]),
        headers=scim.headers,
    )
    scim_error(bad_email, 400, "invalidValue")
    too_long = client.post(
        f"{SCIM}/Users",
        json=user_payload("z@hospital.example.org", displayName="x" * 121),
        headers=scim.headers,
    )
    scim_error(too_long, 400, "invalidValue")
