"""The audit log through the API: every admin change leaves a row; the chain verifies."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories.org import Person
from tests.org.api import API, create_department, create_user, etag_of


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
