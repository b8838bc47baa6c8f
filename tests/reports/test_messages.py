"""Messages between a reporter and the safety team."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.factories.reports import (
    ANONYMOUS_MESSAGES,
    anonymous_report,
    bearer,
    report_url,
    submit_confidential,
    submit_named,
)
from tests.reports.test_visibility import audit_events, reporter_ref


def post(client: TestClient, headers: dict[str, str], report_id: str, body: str) -> Any:
    return client.post(report_url(report_id, "/messages"), json={"body": body}, headers=headers)


def thread(client: TestClient, headers: dict[str, str], report_id: str) -> list[dict[str, Any]]:
    response = client.get(report_url(report_id, "/messages"), headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def test_reporter_and_officer_exchange_messages_in_order(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_confidential(client, reporter, department)
    assert post(client, officer.headers, report["id"], "Can you tell us more?").status_code == 201
    assert post(client, reporter.headers, report["id"], "The mat was missing.").status_code == 201
    for viewer in (reporter, officer):
        messages = thread(client, viewer.headers, report["id"])
        assert [(m["seq"], m["author"], m["body"]) for m in messages] == [
            (1, "safety_team", "Can you tell us more?"),
            (2, "reporter", "The mat was missing."),
        ]


def test_safety_team_author_is_named_and_the_reporter_never_is(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    post(client, officer.headers, report["id"], "Thank you.")
    post(client, reporter.headers, report["id"], "You're welcome.")
    officer_name = reporter_ref(officer, engine)["display_name"]
    reporter_name = reporter_ref(reporter, engine)["display_name"]
    for viewer in (reporter, officer):
        by_author = {m["author"]: m for m in thread(client, viewer.headers, report["id"])}
        assert by_author["safety_team"]["author_name"] == officer_name
        assert by_author["reporter"]["author_name"] is None
        assert reporter_name not in str(by_author)


def test_identified_reporters_messages_carry_a_time(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    created = post(client, reporter.headers, report["id"], "Hello").json()
    assert created["created_at"] is not None


def test_department_lead_cannot_read_or_post_messages(
    client: TestClient, reporter: Person, lead: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    assert_problem(client.get(report_url(report["id"], "/messages"), headers=lead.headers), 404)
    assert_problem(post(client, lead.headers, report["id"], "Hi"), 404)


def test_another_staff_member_cannot_read_or_post_messages(
    client: TestClient, reporter: Person, colleague: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    assert_problem(
        client.get(report_url(report["id"], "/messages"), headers=colleague.headers), 404
    )
    assert_problem(post(client, colleague.headers, report["id"], "Hi"), 404)


def test_messages_of_a_missing_report_are_404(client: TestClient, officer: Person) -> None:
    assert_problem(client.get(report_url(uuid.uuid4(), "/messages"), headers=officer.headers), 404)


def test_empty_message_is_422(client: TestClient, reporter: Person, department: uuid.UUID) -> None:
    report = submit_named(client, reporter, department)
    assert_problem(post(client, reporter.headers, report["id"], "   "), 422)


def test_message_over_4000_characters_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    assert_problem(post(client, reporter.headers, report["id"], "x" * 4001), 422)


def test_officer_reading_messages_of_an_identified_report_is_audited(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    thread(client, officer.headers, report["id"])
    (row,) = audit_events(engine, action="report.messages_read")
    assert row.actor_id == officer.id


def test_reporter_reading_their_own_messages_is_not_audited(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    thread(client, reporter.headers, report["id"])
    assert audit_events(engine, action="report.messages_read") == []


# --- the anonymous reporter ------------------------------------------------------------------


def test_anonymous_reporter_and_officer_exchange_messages(
    client: TestClient, officer: Person, department: uuid.UUID
) -> None:
    _, report_id, token = anonymous_report(client, department)
    assert post(client, officer.headers, report_id, "Was anyone hurt?").status_code == 201
    answer = client.post(ANONYMOUS_MESSAGES, json={"body": "No."}, headers=bearer(token))
    assert answer.status_code == 201, answer.text
    mine = client.get(ANONYMOUS_MESSAGES, headers=bearer(token)).json()
    theirs = thread(client, officer.headers, report_id)
    assert mine == theirs
    assert [(m["author"], m["body"]) for m in mine] == [
        ("safety_team", "Was anyone hurt?"),
        ("reporter", "No."),
    ]


def test_anonymous_reporter_sees_the_safety_team_members_name(
    client: TestClient, engine: Engine, officer: Person, department: uuid.UUID
) -> None:
    _, report_id, token = anonymous_report(client, department)
    post(client, officer.headers, report_id, "Hello, I'm looking into this.")
    (message,) = client.get(ANONYMOUS_MESSAGES, headers=bearer(token)).json()
    assert message["author_name"] == reporter_ref(officer, engine)["display_name"]


def test_anonymous_reporters_message_has_the_day_only(
    client: TestClient, department: uuid.UUID
) -> None:
    _, _, token = anonymous_report(client, department)
    created = client.post(ANONYMOUS_MESSAGES, json={"body": "Hi"}, headers=bearer(token)).json()
    assert created["created_at"] is None
    assert created["created_on"]
    assert created["author_name"] is None


def test_anonymous_messages_need_a_session(client: TestClient, department: uuid.UUID) -> None:
    assert_problem(client.get(ANONYMOUS_MESSAGES), 401)
    assert_problem(client.post(ANONYMOUS_MESSAGES, json={"body": "Hi"}), 401)
