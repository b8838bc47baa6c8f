"""The report workflow: every legal move, every illegal one, and versioned writes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.factories.reports import (
    etag_of,
    move_to,
    read_report,
    report_url,
    submit_named,
    transition,
)

STATUSES = ["submitted", "triaged", "under_review", "action_planned", "closed", "not_actionable"]
LEGAL = {
    ("submitted", "triaged"),
    ("triaged", "under_review"),
    ("under_review", "action_planned"),
    ("action_planned", "closed"),
    ("submitted", "not_actionable"),
    ("triaged", "not_actionable"),
}
REASON = "Duplicate of an earlier report about the same sink."


@pytest.fixture
def report_id(client: TestClient, reporter: Person, department: uuid.UUID) -> str:
    return str(submit_named(client, reporter, department)["id"])


def _move(
    client: TestClient, officer: Person, report_id: str, body: dict[str, Any], if_match: str | None
) -> Any:
    headers = dict(officer.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.post(report_url(report_id, "/transitions"), json=body, headers=headers)


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a in STATUSES for b in STATUSES if (a, b) in LEGAL],
)
def test_legal_move_changes_the_status(
    client: TestClient, officer: Person, report_id: str, current: str, target: str
) -> None:
    move_to(client, officer, report_id, current)
    response = transition(
        client, officer, report_id, target, reason=REASON if target == "not_actionable" else None
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == target
    assert read_report(client, officer, report_id)["status"] == target


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a in STATUSES for b in STATUSES if (a, b) not in LEGAL],
)
def test_illegal_move_is_a_409_and_changes_nothing(
    client: TestClient, officer: Person, report_id: str, current: str, target: str
) -> None:
    move_to(client, officer, report_id, current)
    before = read_report(client, officer, report_id)
    response = _move(
        client, officer, report_id, {"to": target, "reason": REASON}, f'"{before["version"]}"'
    )
    body = assert_problem(response, 409)
    assert REASON not in response.text
    assert body["title"] == "Conflict"
    after = read_report(client, officer, report_id)
    assert (after["status"], after["version"]) == (before["status"], before["version"])


def test_the_full_path_reaches_closed(client: TestClient, officer: Person, report_id: str) -> None:
    move_to(client, officer, report_id, "closed")
    body = read_report(client, officer, report_id)
    assert body["status"] == "closed"
    assert body["allowed_transitions"] == []


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        ("submitted", ["not_actionable", "triaged"]),
        ("triaged", ["not_actionable", "under_review"]),
        ("under_review", ["action_planned"]),
        ("action_planned", ["closed"]),
        ("closed", []),
        ("not_actionable", []),
    ],
)
def test_officer_is_shown_the_allowed_moves(
    client: TestClient, officer: Person, report_id: str, current: str, allowed: list[str]
) -> None:
    move_to(client, officer, report_id, current)
    assert sorted(read_report(client, officer, report_id)["allowed_transitions"]) == allowed


def test_department_lead_is_shown_no_moves(
    client: TestClient, lead: Person, report_id: str
) -> None:
    assert read_report(client, lead, report_id)["allowed_transitions"] == []


@pytest.mark.parametrize("current", ["submitted", "triaged"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_not_actionable_needs_a_reason(
    client: TestClient, officer: Person, report_id: str, current: str, reason: str | None
) -> None:
    move_to(client, officer, report_id, current)
    body: dict[str, Any] = {"to": "not_actionable"}
    if reason is not None:
        body["reason"] = reason
    response = _move(client, officer, report_id, body, etag_of(client, officer, report_id))
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["reason"]
    assert read_report(client, officer, report_id)["status"] == current


def test_not_actionable_reason_is_kept_for_the_reporter(
    client: TestClient, officer: Person, report_id: str
) -> None:
    transition(client, officer, report_id, "not_actionable", reason=REASON)
    assert read_report(client, officer, report_id)["not_actionable_reason"] == REASON


def test_reporter_sees_the_new_status_on_my_reports(
    client: TestClient, officer: Person, reporter: Person, report_id: str
) -> None:
    move_to(client, officer, report_id, "under_review")
    (item,) = client.get("/api/v1/reports/mine", headers=reporter.headers).json()["items"]
    assert item["status"] == "under_review"


def test_unknown_target_status_is_422(client: TestClient, officer: Person, report_id: str) -> None:
    response = _move(client, officer, report_id, {"to": "archived"}, '"1"')
    assert_problem(response, 422)


def test_transition_of_a_missing_report_is_404(client: TestClient, officer: Person) -> None:
    response = _move(client, officer, str(uuid.uuid4()), {"to": "triaged"}, '"1"')
    assert_problem(response, 404)


# --- versioned writes ----------------------------------------------------------------------


def test_transition_without_if_match_is_428(
    client: TestClient, officer: Person, report_id: str
) -> None:
    assert_problem(_move(client, officer, report_id, {"to": "triaged"}, None), 428)
    assert read_report(client, officer, report_id)["status"] == "submitted"


def test_transition_with_a_stale_etag_is_412_and_changes_nothing(
    client: TestClient, officer: Person, report_id: str
) -> None:
    stale = etag_of(client, officer, report_id)
    assert transition(client, officer, report_id, "triaged").status_code == 200
    before = read_report(client, officer, report_id)
    response = _move(client, officer, report_id, {"to": "under_review"}, stale)
    assert_problem(response, 412)
    after = read_report(client, officer, report_id)
    assert (after["status"], after["version"]) == (before["status"], before["version"])


def test_transition_returns_the_new_etag(
    client: TestClient, officer: Person, report_id: str
) -> None:
    response = transition(client, officer, report_id, "triaged")
    assert response.headers["etag"] == f'"{response.json()["version"]}"'
    assert response.json()["version"] == 2
    assert etag_of(client, officer, report_id) == '"2"'


def _patch(
    client: TestClient, officer: Person, report_id: str, body: dict[str, Any], if_match: str | None
) -> Any:
    headers = dict(officer.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(report_url(report_id), json=body, headers=headers)


def test_patch_without_if_match_is_428(client: TestClient, officer: Person, report_id: str) -> None:
    assert_problem(_patch(client, officer, report_id, {"harm": "unknown"}, None), 428)
    assert read_report(client, officer, report_id)["harm"] == "none"


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(
    client: TestClient, officer: Person, report_id: str
) -> None:
    stale = etag_of(client, officer, report_id)
    first = _patch(client, officer, report_id, {"outcome_summary": "First"}, stale)
    assert first.status_code == 200, first.text
    second = _patch(
        client, officer, report_id, {"outcome_summary": "Second", "harm": "mild"}, stale
    )
    assert_problem(second, 412)
    assert second.headers["etag"] == '"2"'
    body = read_report(client, officer, report_id)
    assert (body["outcome_summary"], body["harm"], body["version"]) == ("First", "none", 2)


def test_patch_corrects_triage_fields_and_bumps_the_version(
    client: TestClient, officer: Person, report_id: str, other_department: uuid.UUID
) -> None:
    response = _patch(
        client,
        officer,
        report_id,
        {
            "category": "medication",
            "ncc_merp": "D",
            "harm": "moderate",
            "department_id": str(other_department),
            "contributing_factors": ["handoff", "fatigue"],
            "outcome_summary": "Double-check added at handoff.",
        },
        etag_of(client, officer, report_id),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["category"], body["ncc_merp"], body["harm"]) == ("medication", "D", "moderate")
    assert body["department_id"] == str(other_department)
    assert body["contributing_factors"] == ["handoff", "fatigue"]
    assert body["version"] == 2 and response.headers["etag"] == '"2"'


def test_patch_writes_an_audit_row(
    client: TestClient, officer: Person, report_id: str, engine: Any
) -> None:
    from tests.reports.test_visibility import audit_events

    _patch(client, officer, report_id, {"harm": "unknown"}, '"1"')
    (row,) = audit_events(engine, action="report.triaged")
    assert row.actor_id == officer.id


@pytest.mark.parametrize(
    "field", ["kind", "category", "harm", "department_id", "contributing_factors"]
)
def test_patch_cannot_clear_a_required_field(
    client: TestClient, officer: Person, report_id: str, field: str
) -> None:
    response = _patch(client, officer, report_id, {field: None}, '"1"')
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert read_report(client, officer, report_id)["version"] == 1


@pytest.mark.parametrize("field", ["subcategory", "shift", "outcome_summary"])
def test_patch_may_clear_an_optional_field(
    client: TestClient, officer: Person, report_id: str, field: str
) -> None:
    response = _patch(client, officer, report_id, {field: None}, '"1"')
    assert response.status_code == 200, response.text
    assert response.json()[field] is None
