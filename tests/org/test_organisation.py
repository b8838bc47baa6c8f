"""The organisation's settings: read by everyone, changed by an admin with If-Match."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.org.api import API, etag_of


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
