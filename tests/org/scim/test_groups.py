"""SCIM /Groups: the directory's groups, and the roles configuration maps them to, under the
separation of roles and the two-administrator rule (a SCIM client is no way around them)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.factories.org import Person, make_department, make_person
from tests.org.api import API
from tests.org.scim.conftest import (
    ENTERPRISE,
    GROUP_SCHEMA,
    SCIM,
    ScimClient,
    create_user,
    patch,
)
from tests.org.scim.test_users import scim_error


def create_group(
    client: TestClient, scim: ScimClient, name: str, *members: str, external_id: str | None = None
) -> Any:
    payload: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": m} for m in members],
    }
    if external_id is not None:
        payload["externalId"] = external_id
    return client.post(f"{SCIM}/Groups", json=payload, headers=scim.headers)


def roles_of(client: TestClient, admin: Person, user_id: str) -> list[str]:
    return list(client.get(f"{API}/users/{user_id}", headers=admin.headers).json()["roles"])


def pending_grants(client: TestClient, admin: Person, user_id: str) -> list[dict[str, Any]]:
    page = client.get(
        f"{API}/role-grants", params={"user_id": user_id}, headers=admin.headers
    ).json()
    return list(page["items"])


def test_groups_are_kept_as_the_directory_sends_them(client: TestClient, scim: ScimClient) -> None:
    alice = create_user(client, scim, "alice@hospital.example.org")
    created = create_group(client, scim, "Ward 7 nurses", alice["id"], external_id="g-ward7")
    assert created.status_code == 201, created.text
    group = created.json()
    assert created.headers["location"] == group["meta"]["location"]
    assert group["members"] == [
        {"value": alice["id"], "$ref": f"{alice['meta']['location']}", "type": "User"}
    ]
    by_name = client.get(
        f"{SCIM}/Groups", params={"filter": 'displayName eq "ward 7 NURSES"'}, headers=scim.headers
    ).json()
    assert [g["id"] for g in by_name["Resources"]] == [group["id"]]
    by_member = client.get(
        f"{SCIM}/Groups",
        params={"filter": f'members[value eq "{alice["id"]}"]', "excludedAttributes": "members"},
        headers=scim.headers,
    ).json()
    assert [g["id"] for g in by_member["Resources"]] == [group["id"]]
    assert "members" not in by_member["Resources"][0]
    user = client.get(f"{SCIM}/Users/{alice['id']}", headers=scim.headers).json()
    assert [g["display"] for g in user["groups"]] == ["Ward 7 nurses"]


def test_a_mapped_group_gives_its_plain_roles_at_once_and_takes_them_back(
    client: TestClient, scim: ScimClient, admin: Person, scim_group_roles: dict[str, list[str]]
) -> None:
    scim_group_roles["g-peers"] = ["peer_supporter"]
    bob = create_user(client, scim, "bob@hospital.example.org")
    group = create_group(client, scim, "Peer supporters", bob["id"], external_id="g-peers").json()
    assert roles_of(client, admin, bob["id"]) == ["peer_supporter", "staff"]
    # Entra ID removes a member by value.
    removed = client.patch(
        f"{SCIM}/Groups/{group['id']}",
        json=patch({"op": "Remove", "path": "members", "value": [{"value": bob["id"]}]}),
        headers=scim.headers,
    )
    assert removed.status_code == 200, removed.text
    assert removed.json().get("members") is None
    assert roles_of(client, admin, bob["id"]) == ["staff"]


def test_a_privileged_role_from_a_group_waits_for_a_second_administrator(
    client: TestClient,
    engine: Engine,
    scim: ScimClient,
    admin: Person,
    scim_group_roles: dict[str, list[str]],
) -> None:
    scim_group_roles["Safety officers"] = ["safety_officer"]
    carol = create_user(client, scim, "carol@hospital.example.org")
    group = create_group(client, scim, "Safety officers").json()
    added = client.patch(
        f"{SCIM}/Groups/{group['id']}",
        json=patch({"op": "add", "path": "members", "value": [{"value": carol["id"]}]}),
        headers=scim.headers,
    )
    assert added.status_code == 200, added.text
    assert roles_of(client, admin, carol["id"]) == ["staff"]  # not yet
    [grant] = pending_grants(client, admin, carol["id"])
    assert grant["roles"] == ["safety_officer"]
    # Proposed in the name of the key's creator, who holds its secret: never the confirmer.
    assert grant["proposed_by_id"] == str(scim.creator.id)
    own = client.post(
        f"{API}/role-grants/{grant['id']}/confirm",
        headers={**scim.creator.headers, "If-Match": f'"{grant["version"]}"'},
    )
    assert own.status_code == 403
    # The directory sending the membership again asks for nothing new.
    again = client.put(
        f"{SCIM}/Groups/{group['id']}",
        json={
            "schemas": [GROUP_SCHEMA],
            "displayName": "Safety officers",
            "members": [{"value": carol["id"]}],
        },
        headers=scim.headers,
    )
    assert again.status_code == 200, again.text
    assert len(pending_grants(client, admin, carol["id"])) == 1
    confirmed = client.post(
        f"{API}/role-grants/{grant['id']}/confirm",
        headers={**scim.confirmer.headers, "If-Match": f'"{grant["version"]}"'},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert roles_of(client, admin, carol["id"]) == ["safety_officer", "staff"]


def test_leaving_the_group_before_confirmation_withdraws_the_grant(
    client: TestClient, scim: ScimClient, admin: Person, scim_group_roles: dict[str, list[str]]
) -> None:
    scim_group_roles["Auditors"] = ["auditor"]
    dan = create_user(client, scim, "dan@hospital.example.org")
    group = create_group(client, scim, "Auditors", dan["id"]).json()
    [grant] = pending_grants(client, admin, dan["id"])
    left = client.patch(
        f"{SCIM}/Groups/{group['id']}",
        json=patch({"op": "remove", "path": f'members[value eq "{dan["id"]}"]'}),
        headers=scim.headers,
    )
    assert left.status_code == 200, left.text
    grants = client.get(
        f"{API}/role-grants",
        params={"user_id": dan["id"], "status": "cancelled"},
        headers=admin.headers,
    ).json()["items"]
    assert [g["id"] for g in grants] == [grant["id"]]
    assert pending_grants(client, admin, dan["id"]) == []


def test_forbidden_combinations_are_refused_and_change_nothing(
    client: TestClient, scim: ScimClient, admin: Person, scim_group_roles: dict[str, list[str]]
) -> None:
    scim_group_roles.update({"Peers": ["peer_supporter"], "Leads": ["department_lead"]})
    erin = create_user(client, scim, "erin@hospital.example.org")
    create_group(client, scim, "Peers", erin["id"])
    refused = create_group(client, scim, "Leads", erin["id"])
    assert "not allowed together" in scim_error(refused, 400, "invalidValue")["detail"].lower()
    listed = client.get(
        f"{SCIM}/Groups", params={"filter": 'displayName eq "Leads"'}, headers=scim.headers
    ).json()
    assert listed["totalResults"] == 0  # the whole request was refused
    assert roles_of(client, admin, erin["id"]) == ["peer_supporter", "staff"]


def test_a_lead_needs_a_department(
    client: TestClient,
    engine: Engine,
    scim: ScimClient,
    admin: Person,
    scim_group_roles: dict[str, list[str]],
) -> None:
    scim_group_roles["Leads"] = ["department_lead"]
    make_department(engine, name="Maternity", code="MAT")
    nodept = create_user(client, scim, "nodept@hospital.example.org")
    scim_error(create_group(client, scim, "Leads", nodept["id"]), 400, "invalidValue")
    lead = create_user(
        client, scim, "lead@hospital.example.org", **{ENTERPRISE: {"department": "MAT"}}
    )
    assert create_group(client, scim, "Leads", lead["id"]).status_code == 201
    [grant] = pending_grants(client, admin, lead["id"])
    assert grant["roles"] == ["department_lead"] and grant["department_id"] is not None


def test_a_key_whose_creator_is_no_longer_an_administrator_proposes_nothing(
    client: TestClient,
    engine: Engine,
    scim: ScimClient,
    admin: Person,
    scim_group_roles: dict[str, list[str]],
) -> None:
    scim_group_roles["Admins"] = ["admin"]
    fay = create_user(client, scim, "fay@hospital.example.org")
    creator = client.get(f"{API}/users/{scim.creator.id}", headers=admin.headers).json()
    demoted = client.patch(
        f"{API}/users/{scim.creator.id}",
        json={"roles": ["staff"]},
        headers={**admin.headers, "If-Match": f'"{creator["version"]}"'},
    )
    assert demoted.status_code == 200, demoted.text
    refused = create_group(client, scim, "Admins", fay["id"])
    assert scim_error(refused, 403)["detail"].startswith("Privileged roles wait")
    # Plain changes still work through the key.
    assert create_group(client, scim, "Book club", fay["id"]).status_code == 201


def test_renaming_into_a_mapped_name_gives_the_role_and_deleting_takes_it(
    client: TestClient, scim: ScimClient, admin: Person, scim_group_roles: dict[str, list[str]]
) -> None:
    scim_group_roles["Peer supporters"] = ["peer_supporter"]
    gil = create_user(client, scim, "gil@hospital.example.org")
    group = create_group(client, scim, "Peer supporters (draft)", gil["id"]).json()
    assert roles_of(client, admin, gil["id"]) == ["staff"]
    renamed = client.patch(
        f"{SCIM}/Groups/{group['id']}",
        json=patch({"op": "replace", "path": "displayName", "value": "Peer supporters"}),
        headers=scim.headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert roles_of(client, admin, gil["id"]) == ["peer_supporter", "staff"]
    assert client.delete(f"{SCIM}/Groups/{group['id']}", headers=scim.headers).status_code == 204
    scim_error(client.get(f"{SCIM}/Groups/{group['id']}", headers=scim.headers), 404)
    assert roles_of(client, admin, gil["id"]) == ["staff"]


def test_roles_given_by_hand_stay_when_nothing_about_their_group_changes(
    client: TestClient,
    engine: Engine,
    scim: ScimClient,
    admin: Person,
    scim_group_roles: dict[str, list[str]],
) -> None:
    scim_group_roles["Peers"] = ["peer_supporter"]
    hal = make_person(engine, Role.staff, Role.peer_supporter, email="hal@hospital.example.org")
    create_group(client, scim, "Book club", str(hal.id))
    assert roles_of(client, admin, str(hal.id)) == ["peer_supporter", "staff"]


def test_members_must_be_people_of_this_service(client: TestClient, scim: ScimClient) -> None:
    scim_error(create_group(client, scim, "Ghosts", str(uuid.uuid4())), 400, "invalidValue")
    scim_error(create_group(client, scim, "Ghosts", "not-an-id"), 400, "invalidValue")
    inner = create_group(client, scim, "Inner").json()
    nested = client.post(
        f"{SCIM}/Groups",
        json={
            "schemas": [GROUP_SCHEMA],
            "displayName": "Outer",
            "members": [{"value": inner["id"], "type": "Group"}],
        },
        headers=scim.headers,
    )
    scim_error(nested, 400, "invalidValue")
    scim_error(create_group(client, scim, "   "), 400, "invalidValue")
