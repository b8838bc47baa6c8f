"""The triage queue (filters, keyset pagination, counts) and a reporter's own list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import clock
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person
from tests.factories.reports import (
    REPORTS,
    days_ago,
    move_to,
    publish_lesson,
    submit_anonymous,
    submit_confidential,
    submit_named,
)

MINE = f"{REPORTS}/mine"


def listed(client: TestClient, person: Person, **params: Any) -> list[dict[str, Any]]:
    response = client.get(REPORTS, params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def walk(
    client: TestClient, person: Person, url: str, limit: int, between: Any = None
) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = client.get(url, params=params, headers=person.headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= limit
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        if between is not None:
            between()


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def varied(
    client: TestClient,
    reporter: Person,
    department: uuid.UUID,
    other_department: uuid.UUID,
    officer: Person,
) -> dict[str, str]:
    """Reports that differ in one attribute each from the plain one."""
    ids = {
        "plain": submit_named(client, reporter, department, occurred_on=days_ago(1))["id"],
        "near_miss": submit_named(client, reporter, department, kind="near_miss")["id"],
        "medication": submit_named(
            client, reporter, department, category="medication", ncc_merp="E", harm="moderate"
        )["id"],
        "severe": submit_named(client, reporter, department, harm="severe")["id"],
        "confidential": submit_confidential(client, reporter, department)["id"],
        "elsewhere": submit_named(client, reporter, other_department)["id"],
        "old": submit_named(client, reporter, department, occurred_on=days_ago(40))["id"],
    }
    submit_anonymous(client, department, occurred_on=days_ago(3))
    everything = {i["id"] for i in listed(client, officer, limit=200)}
    (ids["anonymous"],) = everything - set(ids.values())
    move_to(client, officer, ids["severe"], "triaged")
    return ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "triaged"}, {"severe"}),
        ({"kind": "near_miss"}, {"near_miss"}),
        ({"category": "medication"}, {"medication"}),
        ({"harm": "severe"}, {"severe"}),
        ({"harm": "moderate"}, {"medication"}),
        ({"mode": "confidential"}, {"confidential"}),
        ({"mode": "anonymous"}, {"anonymous"}),
        ({"status": "triaged", "harm": "none"}, set()),
    ],
)
def test_filters_select_matching_reports(
    client: TestClient,
    officer: Person,
    varied: dict[str, str],
    params: dict[str, str],
    expected: set[str],
) -> None:
    names = {v: k for k, v in varied.items()}
    assert {names[i["id"]] for i in listed(client, officer, **params)} == expected


def test_department_filter_selects_that_department(
    client: TestClient, officer: Person, varied: dict[str, str], other_department: uuid.UUID
) -> None:
    found = listed(client, officer, department_id=str(other_department))
    assert [i["id"] for i in found] == [varied["elsewhere"]]


def test_occurred_range_filter_is_inclusive(
    client: TestClient, officer: Person, varied: dict[str, str]
) -> None:
    found = listed(client, officer, occurred_from=days_ago(40), occurred_to=days_ago(3))
    assert {i["id"] for i in found} == {varied["old"], varied["anonymous"]}


def test_unknown_filter_value_is_422(client: TestClient, officer: Person) -> None:
    assert_problem(client.get(REPORTS, params={"status": "lost"}, headers=officer.headers), 422)


def test_counts_by_status_follow_the_filters(
    client: TestClient, officer: Person, varied: dict[str, str]
) -> None:
    response = client.get(f"{REPORTS}/counts", headers=officer.headers)
    counts = {c["status"]: c["count"] for c in response.json()}
    assert counts == {
        "submitted": 7,
        "triaged": 1,
        "under_review": 0,
        "action_planned": 0,
        "closed": 0,
        "not_actionable": 0,
    }
    severe_only = client.get(
        f"{REPORTS}/counts", params={"harm": "severe"}, headers=officer.headers
    ).json()
    assert sum(c["count"] for c in severe_only) == 1


# --- keyset pagination -----------------------------------------------------------------------


def test_walking_pages_returns_each_report_once(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID
) -> None:
    created = {submit_named(client, reporter, department)["id"] for _ in range(7)}
    seen = walk(client, officer, REPORTS, limit=3)
    assert len(seen) == len(created) and set(seen) == created


def test_pages_are_newest_submission_first(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID
) -> None:
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    order = []
    for day in range(4):
        at = start + timedelta(days=day)
        clock.set_clock(lambda at=at: at)
        order.append(submit_named(client, reporter, department, occurred_on="2026-04-30")["id"])
    assert walk(client, officer, REPORTS, limit=2) == list(reversed(order))


def test_pagination_is_stable_under_inserts(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID
) -> None:
    original = {submit_named(client, reporter, department)["id"] for _ in range(6)}
    inserted: list[str] = []

    def insert() -> None:
        inserted.append(submit_named(client, reporter, department)["id"])

    seen = walk(client, officer, REPORTS, limit=2, between=insert)
    assert len(seen) == len(set(seen)), "a report was returned twice"
    assert original <= set(seen), "a report that existed before the walk was skipped"
    assert set(seen) <= original | set(inserted)


def test_limit_above_200_is_422(client: TestClient, officer: Person) -> None:
    assert_problem(client.get(REPORTS, params={"limit": 201}, headers=officer.headers), 422)


def test_a_forged_cursor_is_400(client: TestClient, officer: Person) -> None:
    assert_problem(client.get(REPORTS, params={"cursor": "bm9wZQ"}, headers=officer.headers), 400)


# --- my reports ------------------------------------------------------------------------------


def test_my_reports_lists_my_named_and_confidential_reports(
    client: TestClient, reporter: Person, colleague: Person, department: uuid.UUID
) -> None:
    named = submit_named(client, reporter, department)
    confidential = submit_confidential(client, reporter, department)
    submit_named(client, colleague, department)
    items = client.get(MINE, headers=reporter.headers).json()["items"]
    assert {i["id"] for i in items} == {named["id"], confidential["id"]}
    assert {i["mode"] for i in items} == {"named", "confidential"}


def test_my_reports_never_lists_anonymous_reports_i_submitted_signed_in(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    submit_anonymous(client, department, headers=reporter.headers)
    named = submit_named(client, reporter, department)
    items = client.get(MINE, headers=reporter.headers).json()["items"]
    assert [i["id"] for i in items] == [named["id"]]


def test_my_reports_show_status_and_outcome(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    move_to(client, officer, report["id"], "triaged")
    client.patch(
        f"{REPORTS}/{report['id']}",
        json={"outcome_summary": "Mats were added beside the sinks."},
        headers={**officer.headers, "If-Match": '"2"'},
    )
    (item,) = client.get(MINE, headers=reporter.headers).json()["items"]
    assert item["status"] == "triaged"
    assert item["outcome_summary"] == "Mats were added beside the sinks."


def test_my_reports_show_linked_lesson_summaries(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    lesson = publish_lesson(client, officer, report_ids=[report["id"]])
    publish_lesson(client, officer)
    (item,) = client.get(MINE, headers=reporter.headers).json()["items"]
    assert item["lessons"] == [
        {
            "id": lesson["id"],
            "title": lesson["title"],
            "summary": lesson["summary"],
            "published_at": lesson["published_at"],
        }
    ]


def test_my_reports_hold_nothing_of_the_safety_teams_work(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    submit_named(client, reporter, department)
    (item,) = client.get(MINE, headers=reporter.headers).json()["items"]
    assert not {"reporter", "involved_staff", "high_risk_scenarios", "allowed_transitions"} & set(
        item
    )


def test_my_reports_paginate(client: TestClient, reporter: Person, department: uuid.UUID) -> None:
    created = {submit_named(client, reporter, department)["id"] for _ in range(5)}
    assert sorted(walk(client, reporter, MINE, limit=2)) == sorted(created)


def test_a_department_lead_sees_only_their_own_reports_on_my_reports(
    client: TestClient, engine: Engine, reporter: Person, lead: Person, department: uuid.UUID
) -> None:
    submit_named(client, reporter, department)
    own = submit_named(client, lead, department)
    items = client.get(MINE, headers=lead.headers).json()["items"]
    assert [i["id"] for i in items] == [own["id"]]


def test_a_peer_supporter_may_report_and_follow_their_report(
    client: TestClient, engine: Engine, department: uuid.UUID
) -> None:
    peer = make_person(engine, Role.peer_supporter, department_id=department)
    report = submit_confidential(client, peer, department)
    items = client.get(MINE, headers=peer.headers).json()["items"]
    assert [i["id"] for i in items] == [report["id"]]
