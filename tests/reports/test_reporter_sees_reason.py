"""A report closed as not actionable tells its reporter why (the officer is told they will).

The reason reaches the named or confidential reporter on /reports/mine and the holder of an
anonymous report's receipt on /anonymous/report.
"""

from __future__ import annotations

import uuid
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.reports.service import receipt_throttle
from tests.factories.org import Person, make_department, make_person

REASON = "The pump was already recalled; the supplier has replaced every unit."


def _event(department_id: uuid.UUID) -> dict[str, object]:
    return {
        "kind": "unsafe_condition",
        "category": "device",
        "harm": "none",
        "occurred_on": date.today().isoformat(),
        "department_id": str(department_id),
        "description": "The infusion pump alarm is too quiet to hear from the corridor.",
    }


def _not_actionable(client: TestClient, officer: Person, report_id: str) -> None:
    version = client.get(f"/api/v1/reports/{report_id}", headers=officer.headers).json()["version"]
    response = client.post(
        f"/api/v1/reports/{report_id}/transitions",
        json={"to": "not_actionable", "reason": REASON},
        headers={**officer.headers, "If-Match": f'"{version}"'},
    )
    assert response.status_code == 200, response.text


def test_named_reporter_reads_the_reason_on_their_report(
    client: TestClient, engine: Engine
) -> None:
    dep = make_department(engine)
    reporter = make_person(engine, Role.staff, department_id=dep)
    officer = make_person(engine, Role.safety_officer)
    created = client.post(
        "/api/v1/reports", json={"mode": "named", **_event(dep)}, headers=reporter.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["not_actionable_reason"] is None

    _not_actionable(client, officer, created.json()["id"])

    (mine,) = client.get("/api/v1/reports/mine", headers=reporter.headers).json()["items"]
    assert mine["status"] == "not_actionable"
    assert mine["not_actionable_reason"] == REASON


def test_anonymous_reporter_reads_the_reason_with_their_receipt(
    client: TestClient, engine: Engine
) -> None:
    receipt_throttle.reset()
    dep = make_department(engine)
    officer = make_person(engine, Role.safety_officer)
    created = client.post("/api/v1/anonymous/reports", json=_event(dep))
    assert created.status_code == 201, created.text
    (item,) = client.get(
        "/api/v1/reports", params={"mode": "anonymous"}, headers=officer.headers
    ).json()["items"]
    token = client.post(
        "/api/v1/anonymous/session", json={"receipt": created.json()["receipt"]}
    ).json()["access_token"]
    before = client.get("/api/v1/anonymous/report", headers={"Authorization": f"Bearer {token}"})
    assert before.json()["not_actionable_reason"] is None

    _not_actionable(client, officer, item["id"])

    view = client.get("/api/v1/anonymous/report", headers={"Authorization": f"Bearer {token}"})
    assert view.status_code == 200, view.text
    assert view.json()["status"] == "not_actionable"
    assert view.json()["not_actionable_reason"] == REASON
