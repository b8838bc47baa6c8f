"""Lessons on the learning feed, and what reporters see of them."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person
from tests.factories.reports import (
    ANONYMOUS_REPORT,
    LESSONS,
    anonymous_report,
    bearer,
    lesson_payload,
    publish_lesson,
    read_report,
    submit_named,
)
from tests.reports.test_listing import walk
from tests.reports.test_visibility import audit_events


def test_officer_publishes_a_lesson(client: TestClient, officer: Person) -> None:
    payload = lesson_payload()
    response = client.post(LESSONS, json=payload, headers=officer.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    for field in ("title", "summary", "actions_taken", "categories", "contributing_factors"):
        assert body[field] == payload[field]
    assert body["published_at"]


def test_a_lesson_does_not_show_its_author_or_reports(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    body = publish_lesson(client, officer, report_ids=[report["id"]])
    assert not {"author_id", "author", "report_ids", "reports"} & set(body)
    assert str(officer.id) not in str(body) and report["id"] not in str(body)


def test_linked_reports_must_exist(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    response = client.post(
        LESSONS,
        json=lesson_payload(report_ids=[report["id"], str(uuid.uuid4())]),
        headers=officer.headers,
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["report_ids.1"]
    assert client.get(LESSONS, headers=officer.headers).json()["items"] == []


def test_empty_title_is_422(client: TestClient, officer: Person) -> None:
    assert_problem(
        client.post(LESSONS, json=lesson_payload(title=""), headers=officer.headers), 422
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_role_reads_the_feed_and_a_lesson(
    client: TestClient, engine: Engine, officer: Person, role: Role
) -> None:
    lesson = publish_lesson(client, officer)
    reader = make_person(engine, role)
    feed = client.get(LESSONS, headers=reader.headers)
    assert feed.status_code == 200
    assert [i["id"] for i in feed.json()["items"]] == [lesson["id"]]
    detail = client.get(f"{LESSONS}/{lesson['id']}", headers=reader.headers)
    assert detail.status_code == 200 and detail.json() == lesson


def test_missing_lesson_is_404(client: TestClient, reporter: Person) -> None:
    assert_problem(client.get(f"{LESSONS}/{uuid.uuid4()}", headers=reporter.headers), 404)


def test_feed_is_newest_first_and_paginates(client: TestClient, officer: Person) -> None:
    published = [publish_lesson(client, officer)["id"] for _ in range(5)]
    assert walk(client, officer, LESSONS, limit=2) == list(reversed(published))


def test_publishing_is_audited(client: TestClient, engine: Engine, officer: Person) -> None:
    lesson = publish_lesson(client, officer)
    (row,) = audit_events(engine, action="lesson.published")
    assert (row.actor_id, str(row.object_id)) == (officer.id, lesson["id"])


def test_reporter_sees_the_lesson_summary_on_my_reports(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    lesson = publish_lesson(client, officer, report_ids=[report["id"]])
    (item,) = client.get("/api/v1/reports/mine", headers=reporter.headers).json()["items"]
    assert [(x["id"], x["summary"]) for x in item["lessons"]] == [(lesson["id"], lesson["summary"])]


def test_anonymous_reporter_sees_the_lesson_summary(
    client: TestClient, officer: Person, department: uuid.UUID
) -> None:
    _, report_id, token = anonymous_report(client, department)
    lesson = publish_lesson(client, officer, report_ids=[report_id])
    view = client.get(ANONYMOUS_REPORT, headers=bearer(token)).json()
    assert [(x["id"], x["title"], x["summary"]) for x in view["lessons"]] == [
        (lesson["id"], lesson["title"], lesson["summary"])
    ]


def test_safety_team_sees_linked_lessons_on_the_report(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    first = publish_lesson(client, officer, report_ids=[report["id"], report["id"]])
    second = publish_lesson(client, officer, report_ids=[report["id"]])
    lessons = read_report(client, officer, report["id"])["lessons"]
    assert [x["id"] for x in lessons] == [first["id"], second["id"]]


def test_lesson_idempotency_key_replays_the_first_result(
    client: TestClient, officer: Person
) -> None:
    headers = {**officer.headers, "Idempotency-Key": "lesson-1"}
    payload = lesson_payload()
    first = client.post(LESSONS, json=payload, headers=headers)
    again = client.post(LESSONS, json=payload, headers=headers)
    assert again.json() == first.json()
    assert len(client.get(LESSONS, headers=officer.headers).json()["items"]) == 1
