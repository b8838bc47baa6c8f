"""The weekly report counts insights read: kept by every submission and triage change,
always equal to a count of the reports themselves."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.core import clock
from haven.core.db import new_session
from haven.core.weeks import monday_of
from haven.reports import service
from haven.reports.models import Report, report_week_counts
from tests.factories.org import Person
from tests.factories.reports import (
    etag_of,
    report_url,
    submit_anonymous,
    submit_confidential,
    submit_named,
)

Figures = dict[tuple[date, uuid.UUID], tuple[int, int, dict[str, int]]]


def _served(engine: Engine) -> Figures:
    """What insights are given: per week and department, reports, harm events, breakdowns."""
    today = clock.today()
    with new_session(engine) as session:
        weeks = service.weekly_figures(
            session, start=today - timedelta(days=400), end=today + timedelta(days=7)
        )
    return {
        (f.week_start, f.department_id): (
            f.reports,
            f.harm_events,
            {
                **{f"kind:{k}": n for k, n in f.by_kind.items() if n},
                **{f"category:{k}": n for k, n in f.by_category.items() if n},
                **{f"harm:{k}": n for k, n in f.by_harm.items() if n},
            },
        )
        for f in weeks
    }


def _counted(engine: Engine) -> Figures:
    """The same figures counted from the report rows themselves."""
    cells: dict[tuple[date, uuid.UUID], Counter[str]] = {}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(Report.__table__)).mappings():  # type: ignore[attr-defined]
            key = (monday_of(row["occurred_on"]), row["department_id"])
            cell = cells.setdefault(key, Counter())
            cell.update(
                [f"kind:{row['kind']}", f"category:{row['category']}", f"harm:{row['harm']}"]
            )
    harmful = ("harm:mild", "harm:moderate", "harm:severe", "harm:death")
    return {
        key: (
            sum(n for k, n in c.items() if k.startswith("kind:")),
            sum(c[h] for h in harmful),
            dict(c),
        )
        for key, c in cells.items()
    }


def _patch(client: TestClient, officer: Person, report_id: str, body: dict[str, Any]) -> None:
    headers = {**officer.headers, "If-Match": etag_of(client, officer, report_id)}
    response = client.patch(report_url(report_id), json=body, headers=headers)
    assert response.status_code == 200, response.text


def test_counts_follow_submissions_and_triage(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    department: uuid.UUID,
    other_department: uuid.UUID,
) -> None:
    today = clock.today()
    long_ago = (today - timedelta(days=40)).isoformat()
    named = submit_named(client, reporter, department, harm="mild")["id"]
    confidential = submit_confidential(
        client, reporter, department, kind="near_miss", occurred_on=long_ago
    )["id"]
    submit_anonymous(client, department, category="medication", harm="moderate", ncc_merp="E")
    submit_anonymous(client, other_department)
    assert _served(engine) == _counted(engine)

    # Triage moves a report between cells: out of the old one, into the new one.
    _patch(client, officer, named, {"harm": "severe", "category": "device"})
    _patch(client, officer, confidential, {"department_id": str(other_department)})
    _patch(client, officer, named, {"kind": "unsafe_condition", "harm": "none"})
    before = _served(engine)
    assert before == _counted(engine)
    # A change that moves nothing leaves the counts alone.
    _patch(client, officer, confidential, {"outcome_summary": "The sink was moved."})
    assert _served(engine) == before

    served_weeks = {week for week, _ in before}
    assert monday_of(date.fromisoformat(long_ago)) in served_weeks
    assert before[(monday_of(date.fromisoformat(long_ago)), other_department)][0] == 1


def test_a_rebuild_gives_the_same_counts(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    for harm in ("none", "mild", "mild", "unknown"):
        submit_named(client, reporter, department, harm=harm)
    kept = _served(engine)
    with new_session(engine) as session:
        session.execute(sa.delete(report_week_counts))
        session.commit()
    assert _served(engine) == {}
    with new_session(engine) as session:
        service.rebuild_week_counts(session)
        session.commit()
    assert _served(engine) == kept == _counted(engine)
