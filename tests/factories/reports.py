"""Reports, anonymous receipts and their sessions, reviews and lessons for tests.

Plain functions over the HTTP API (so every row is written the way the product writes it).
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from haven.core import clock
from tests.factories.org import Person

API = "/api/v1"
REPORTS = f"{API}/reports"
ANONYMOUS_REPORTS = f"{API}/anonymous/reports"
ANONYMOUS_SESSION = f"{API}/anonymous/session"
ANONYMOUS_REPORT = f"{API}/anonymous/report"
ANONYMOUS_MESSAGES = f"{API}/anonymous/report/messages"
LESSONS = f"{API}/lessons"

_counter = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def report_url(report_id: str | uuid.UUID, suffix: str = "") -> str:
    return f"{REPORTS}/{report_id}{suffix}"


def event_fields(department_id: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
    """A valid event description (no ``mode``): a fall without harm, yesterday, day shift."""
    n = next(_counter)
    fields: dict[str, Any] = {
        "kind": "incident",
        "category": "fall",
        "harm": "none",
        "occurred_on": (clock.today() - timedelta(days=1)).isoformat(),
        "shift": "day",
        "department_id": str(department_id),
        "location": "Ward 3, bay 2",
        "description": f"Patient slipped near the sink; the floor was wet (event {n}).",
        "immediate_actions": "Checked the patient, dried the floor.",
        "contributing_factors": ["environment"],
    }
    fields.update(overrides)
    return fields


def report_payload(
    department_id: uuid.UUID | str, *, mode: str = "named", **overrides: Any
) -> dict[str, Any]:
    return {"mode": mode, **event_fields(department_id, **overrides)}


def anonymous_payload(department_id: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
    return event_fields(department_id, **overrides)


def submit_report(
    client: TestClient,
    person: Person,
    department_id: uuid.UUID | str,
    *,
    mode: str = "named",
    **overrides: Any,
) -> dict[str, Any]:
    response = client.post(
        REPORTS,
        json=report_payload(department_id, mode=mode, **overrides),
        headers=person.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def submit_named(
    client: TestClient, person: Person, department_id: uuid.UUID | str, **overrides: Any
) -> dict[str, Any]:
    return submit_report(client, person, department_id, mode="named", **overrides)


def submit_confidential(
    client: TestClient, person: Person, department_id: uuid.UUID | str, **overrides: Any
) -> dict[str, Any]:
    return submit_report(client, person, department_id, mode="confidential", **overrides)


def submit_anonymous(
    client: TestClient,
    department_id: uuid.UUID | str,
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Returns the response body (with the receipt)."""
    response = client.post(
        ANONYMOUS_REPORTS, json=anonymous_payload(department_id, **overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def open_session(client: TestClient, receipt: str) -> dict[str, Any]:
    response = client.post(ANONYMOUS_SESSION, json={"receipt": receipt})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def anonymous_report(
    client: TestClient, department_id: uuid.UUID | str, **overrides: Any
) -> tuple[str, str, str]:
    """Submit an anonymous report and open its session: (receipt, report id, session token)."""
    receipt = submit_anonymous(client, department_id, **overrides)["receipt"]
    opened = open_session(client, receipt)
    return receipt, opened["report_id"], opened["access_token"]


def read_report(client: TestClient, person: Person, report_id: str) -> dict[str, Any]:
    response = client.get(report_url(report_id), headers=person.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def etag_of(client: TestClient, officer: Person, report_id: str) -> str:
    response = client.get(report_url(report_id), headers=officer.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def transition(
    client: TestClient,
    officer: Person,
    report_id: str,
    to: str,
    *,
    reason: str | None = None,
) -> Any:
    body: dict[str, Any] = {"to": to}
    if reason is not None:
        body["reason"] = reason
    return client.post(
        report_url(report_id, "/transitions"),
        json=body,
        headers={**officer.headers, "If-Match": etag_of(client, officer, report_id)},
    )


# The workflow path from submitted to each status (reasons where needed).
PATH_TO: dict[str, list[tuple[str, str | None]]] = {
    "submitted": [],
    "triaged": [("triaged", None)],
    "under_review": [("triaged", None), ("under_review", None)],
    "action_planned": [("triaged", None), ("under_review", None), ("action_planned", None)],
    "closed": [
        ("triaged", None),
        ("under_review", None),
        ("action_planned", None),
        ("closed", None),
    ],
    "not_actionable": [("not_actionable", "Duplicate of an earlier report.")],
}


def move_to(client: TestClient, officer: Person, report_id: str, status: str) -> None:
    """Walk a report from wherever it is (normally submitted) along PATH_TO[status]."""
    etag = etag_of(client, officer, report_id) if PATH_TO[status] else None
    for to, reason in PATH_TO[status]:
        body: dict[str, Any] = {"to": to}
        if reason is not None:
            body["reason"] = reason
        response = client.post(
            report_url(report_id, "/transitions"),
            json=body,
            headers={**officer.headers, "If-Match": str(etag)},
        )
        assert response.status_code == 200, response.text
        etag = response.headers["etag"]


def review_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "subject": "Second dose given without checking the chart",
        "answers": {},
        "system_factors": [],
    }
    payload.update(overrides)
    return payload


def create_review(client: TestClient, officer: Person, report_id: str, **overrides: Any) -> Any:
    return client.post(
        report_url(report_id, "/just-culture-reviews"),
        json=review_payload(**overrides),
        headers=officer.headers,
    )


def lesson_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    payload: dict[str, Any] = {
        "title": f"Wet floors near sinks ({n})",
        "summary": "Mats were added beside every sink; cleaning rounds now include them.",
        "actions_taken": ["Anti-slip mats beside sinks"],
        "categories": ["fall"],
        "contributing_factors": ["environment"],
        "report_ids": [],
    }
    payload.update(overrides)
    return payload


def publish_lesson(client: TestClient, officer: Person, **overrides: Any) -> dict[str, Any]:
    response = client.post(LESSONS, json=lesson_payload(**overrides), headers=officer.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def days_ago(n: int) -> str:
    return (clock.today() - timedelta(days=n)).isoformat()


def a_date(value: date) -> str:
    return value.isoformat()
