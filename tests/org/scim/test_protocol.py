"""Who may speak SCIM (a confirmed key with the scim scope, nobody else), the discovery
endpoints, and SCIM's own error format on every path under the prefix."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role, Scope
from tests.factories.org import Person, make_api_key, make_person
from tests.org.api import API
from tests.org.scim.conftest import SCIM, SCIM_JSON, ScimClient, user_payload
from tests.org.scim.test_users import scim_error


def test_nobody_but_a_confirmed_scim_key_gets_in(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    unauthenticated = client.get(f"{SCIM}/Users")
    scim_error(unauthenticated, 401)
    assert unauthenticated.headers["www-authenticate"] == "Bearer"
    for headers in (
        admin.headers,  # an administrator's session is not a SCIM client
        make_person(engine, Role.staff).headers,
        {"Authorization": f"Bearer {make_api_key(engine, [Scope.reports_write])}"},
    ):
        scim_error(client.get(f"{SCIM}/Users", headers=headers), 403)
        scim_error(
            client.post(
                f"{SCIM}/Users", json=user_payload("x@hospital.example.org"), headers=headers
            ),
            403,
        )
    scim_error(client.get(f"{SCIM}/Users", headers={"Authorization": "Bearer hvn_nope_nope"}), 401)


def test_a_scim_key_waits_for_a_second_administrator(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    created = client.post(
        f"{API}/api-keys", json={"name": "Entra ID", "scopes": ["scim"]}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["status"] == "pending"
    headers = {"Authorization": f"Bearer {key['secret']}"}
    waiting = scim_error(client.get(f"{SCIM}/ServiceProviderConfig", headers=headers), 401)
    assert "second administrator" in waiting["detail"]
    second = make_person(engine, Role.admin)
    confirmed = client.post(
        f"{API}/api-keys/{key['id']}/confirm",
        headers={**second.headers, "If-Match": f'"{key["version"]}"'},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert client.get(f"{SCIM}/ServiceProviderConfig", headers=headers).status_code == 200


def test_discovery_declares_what_haven_supports(client: TestClient, scim: ScimClient) -> None:
    config = client.get(f"{SCIM}/ServiceProviderConfig", headers=scim.headers)
    assert config.status_code == 200 and config.headers["content-type"] == SCIM_JSON
    body = config.json()
    assert body["patch"] == {"supported": True}
    assert body["filter"] == {"supported": True, "maxResults": 200}
    for feature in ("bulk", "sort", "etag", "changePassword"):
        assert body[feature]["supported"] is False
    assert [s["type"] for s in body["authenticationSchemes"]] == ["oauthbearertoken"]
    types = client.get(f"{SCIM}/ResourceTypes", headers=scim.headers).json()
    assert {t["id"]: t["endpoint"] for t in types["Resources"]} == {
        "User": "/Users",
        "Group": "/Groups",
    }
    user_type = client.get(f"{SCIM}/ResourceTypes/User", headers=scim.headers).json()
    assert {e["schema"] for e in user_type["schemaExtensions"]} == {
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:haven:2.0:User",
    }
    schemas = client.get(f"{SCIM}/Schemas", headers=scim.headers).json()
    assert schemas["totalResults"] == 4
    user_schema = client.get(
        f"{SCIM}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", headers=scim.headers
    ).json()
    # Exactly what Haven stores: nothing a client could expect kept that is not.
    assert [a["name"] for a in user_schema["attributes"]] == [
        "userName",
        "displayName",
        "active",
        "emails",
        "groups",
    ]
    scim_error(client.get(f"{SCIM}/Schemas/urn:nothing", headers=scim.headers), 404)
    scim_error(client.get(f"{SCIM}/ResourceTypes/Printer", headers=scim.headers), 404)


def test_every_path_under_the_prefix_answers_scim_errors(
    client: TestClient, scim: ScimClient
) -> None:
    scim_error(client.get(f"{SCIM}/Printers", headers=scim.headers), 404)
    scim_error(client.get(f"{SCIM}/Users/a/b", headers=scim.headers), 404)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        refused = client.request(method, f"{SCIM}/ServiceProviderConfig", headers=scim.headers)
        scim_error(refused, 405)
        assert refused.headers["allow"] == "GET"
    not_on_a_user = client.post(f"{SCIM}/Users/some-id", headers=scim.headers)
    scim_error(not_on_a_user, 405)
    assert set(not_on_a_user.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH", "DELETE"}
    scim_error(client.post(f"{SCIM}/.search", json={}, headers=scim.headers), 501)


def test_the_rest_of_the_api_still_answers_problem_details(
    client: TestClient, admin: Person
) -> None:
    response = client.get(f"{API}/users/not-a-uuid", headers=admin.headers)
    assert response.headers["content-type"] == "application/problem+json"


def test_scim_answers_are_never_cached(client: TestClient, scim: ScimClient) -> None:
    response = client.get(f"{SCIM}/Users", headers=scim.headers)
    assert response.headers["cache-control"] == "no-store"
