"""The report counts insights release: by the week a report arrived, with reporters told apart
but never named, equal to a count of the reports themselves."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.core import clock
from haven.core.db import new_session
from haven.core.weeks import monday_of
from haven.reports import service
from tests.factories.org import Person
from tests.factories.reports import (
    etag_of,
    report_url,
    submit_anonymous,
    submit_confidential,
    submit_named,
)


def _released(engine: Engine) -> Counter[tuple[uuid.UUID, str, str, str, int | None]]:
    with new_session(engine) as session:
        counts = service.release_counts(session, week=monday_of(clock.today()))
    found: Counter[tuple[uuid.UUID, str, str, str, int | None]] = Counter()
    for c in counts:
        found[(c.department_id, c.kind.value, c.category.value, c.harm.value, c.reporter)] += (
            c.reports
        )
    return found


def _patch(client: TestClient, officer: Person, report_id: str, body: dict[str, Any]) -> None:
    headers = {**officer.headers, "If-Match": etag_of(client, officer, report_id)}
    response = client.patch(report_url(report_id), json=body, headers=headers)
    assert response.status_code == 200, response.text


def test_a_report_counts_in_the_week_it_arrived_not_the_week_of_its_event(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    long_ago = (clock.today() - timedelta(days=40)).isoformat()
    submit_named(client, reporter, department, occurred_on=long_ago, harm="mild")
    assert sum(_released(engine).values()) == 1
    with new_session(engine) as session:
        weeks_ago = monday_of(clock.today() - timedelta(days=40))
        assert service.release_counts(session, week=weeks_ago) == []


def test_reporters_are_told_apart_and_anonymous_reports_have_none(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    colleague: Person,
    department: uuid.UUID,
) -> None:
    for _ in range(3):
        submit_named(client, reporter, department)
    submit_confidential(client, colleague, department)
    submit_anonymous(client, department)
    submit_anonymous(client, department)
    released = _released(engine)
    by_reporter: Counter[int | None] = Counter()
    for (*_, who), n in released.items():
        by_reporter[who] += n
    assert sorted(by_reporter.values()) == [1, 2, 3]
    assert by_reporter[None] == 2
    # numbers, local to the answer: never a person's id
    assert all(who is None or isinstance(who, int) for who in by_reporter)
    assert {str(reporter.id), str(colleague.id)}.isdisjoint({str(w) for w in by_reporter})


def test_counts_follow_triage_until_the_week_is_released(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    department: uuid.UUID,
    other_department: uuid.UUID,
) -> None:
    named = submit_named(client, reporter, department, harm="mild")["id"]
    _patch(client, officer, named, {"harm": "severe", "category": "device"})
    _patch(client, officer, named, {"department_id": str(other_department)})
    released = _released(engine)
    assert set(released) == {(other_department, "incident", "device", "severe", 0)}
