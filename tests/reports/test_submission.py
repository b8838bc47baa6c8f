"""Submitting a report: what comes back, and retry safety with Idempotency-Key."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.core import clock
from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.factories.reports import (
    ANONYMOUS_REPORT,
    ANONYMOUS_REPORTS,
    REPORTS,
    anonymous_payload,
    anonymous_report,
    bearer,
    report_payload,
)
from tests.reports.snapshot import by_table, dump


def test_named_submission_returns_the_reporters_view(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    payload = report_payload(department, harm="mild")
    response = client.post(REPORTS, json=payload, headers=reporter.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted"
    assert body["mode"] == "named"
    assert body["description"] == payload["description"]
    assert body["submitted_on"] == clock.today().isoformat()
    assert body["lessons"] == [] and body["outcome_summary"] is None
    assert body["support"] == {"offered": False, "message": None}


def test_anonymous_submission_returns_only_the_receipt_and_status(
    client: TestClient, department: uuid.UUID
) -> None:
    response = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department))
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"receipt", "status", "submitted_on", "support"}


def test_anonymous_reporter_sees_status_and_their_words(
    client: TestClient, officer: Person, department: uuid.UUID
) -> None:
    payload = anonymous_payload(department, description="Anonymous words.")
    receipt = client.post(ANONYMOUS_REPORTS, json=payload).json()["receipt"]
    token = client.post("/api/v1/anonymous/session", json={"receipt": receipt}).json()[
        "access_token"
    ]
    view = client.get(ANONYMOUS_REPORT, headers=bearer(token)).json()
    assert view["description"] == "Anonymous words."
    assert view["status"] == "submitted"
    assert not {"id", "department_id", "reporter", "location", "mode"} & set(view)


def test_anonymous_reporter_follows_a_status_change(
    client: TestClient, officer: Person, department: uuid.UUID
) -> None:
    from tests.factories.reports import move_to

    _, report_id, token = anonymous_report(client, department)
    move_to(client, officer, report_id, "not_actionable")
    assert client.get(ANONYMOUS_REPORT, headers=bearer(token)).json()["status"] == "not_actionable"


def test_idempotent_replay_returns_the_same_body_and_creates_one_report(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    payload = report_payload(department)
    headers = {**reporter.headers, "Idempotency-Key": "report-7b1"}
    first = client.post(REPORTS, json=payload, headers=headers)
    again = client.post(REPORTS, json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert by_table(r for r in dump(engine) if r.table == "reports") == {"reports": 1}


def test_idempotency_key_reused_with_another_body_is_422(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    headers = {**reporter.headers, "Idempotency-Key": "report-7b2"}
    client.post(REPORTS, json=report_payload(department), headers=headers)
    other = client.post(REPORTS, json=report_payload(department, harm="mild"), headers=headers)
    assert_problem(other, 422)
    assert by_table(r for r in dump(engine) if r.table == "reports") == {"reports": 1}


def test_idempotency_keys_are_per_caller(
    client: TestClient, reporter: Person, colleague: Person, department: uuid.UUID
) -> None:
    payload = report_payload(department)
    first = client.post(
        REPORTS, json=payload, headers={**reporter.headers, "Idempotency-Key": "shared"}
    )
    second = client.post(
        REPORTS, json=payload, headers={**colleague.headers, "Idempotency-Key": "shared"}
    )
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


def test_a_refused_submission_is_not_remembered_for_its_key(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    headers = {**reporter.headers, "Idempotency-Key": "report-7b3"}
    bad = client.post(REPORTS, json=report_payload(department, harm="lethal"), headers=headers)
    assert bad.status_code == 422
    good = client.post(REPORTS, json=report_payload(department), headers=headers)
    assert good.status_code == 201, good.text
