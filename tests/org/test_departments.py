"""Departments: unique names and codes, renaming, deactivation instead of deletion."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.org.api import API, create_department


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
