"""Check-in answers, staffing rows and report rows for tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.checkins import service
from haven.checkins.models import CheckinAnswer, CheckinResponse, CheckinTemplate, StaffingShift
from haven.core import clock
from haven.core.db import new_session
from haven.reports.models import Report
from tests.factories.org import Person


def answers(
    *,
    stress: int = 3,
    workload_manageable: bool = True,
    staffing_adequate: bool = True,
    supported: int = 4,
    speak_up: int = 4,
    **extra: Any,
) -> dict[str, Any]:
    """A complete answer to the default check-in."""
    return {
        "stress": stress,
        "workload_manageable": workload_manageable,
        "staffing_adequate": staffing_adequate,
        "supported": supported,
        "speak_up": speak_up,
        **extra,
    }


def submit(client: TestClient, person: Person, *, expect: int = 201, **change: Any) -> None:
    """``person`` answers this period's check-in (``change``: answers other than the
    defaults); the answer waits in memory until its batch is written."""
    response = client.post(
        "/api/v1/checkins/responses", json={"answers": answers(**change)}, headers=person.headers
    )
    assert response.status_code == expect, response.text


def default_template_id(engine: Engine) -> tuple[uuid.UUID, int]:
    with new_session(engine) as session:
        service.ensure_default_template(session)
        session.commit()
        template = session.exec(select(CheckinTemplate)).first()
        assert template is not None
        return template.id, template.version


def response_rows(
    template: tuple[uuid.UUID, int],
    department_id: uuid.UUID | None,
    week: date,
    stress: Sequence[int],
    *,
    supported: int = 4,
    profession: str = "nurse",
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for the answers of ``len(stress)`` people in one department and week."""
    responses: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for value in stress:
        response_id = uuid.uuid4()
        responses.append(
            {
                "id": response_id,
                "template_id": template[0],
                "template_version": template[1],
                "department_id": department_id,
                "profession": profession,
                "period_start": week,
            }
        )
        answer_rows += [
            {"response_id": response_id, "question_key": key, "value": int(answer), "text": None}
            for key, answer in answers(stress=value, supported=supported).items()
        ]
    return responses, answer_rows


def load_responses(
    engine: Engine,
    rows: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    *,
    first_week: date,
    last_week: date,
) -> None:
    """Write response rows straight into the tables and rebuild the weeks' rollups.

    Rows as given, groups of any size: what a database holds from before the batches
    (migration 0012) or from a raw import, against which insights' own suppression is
    tested. Check-ins themselves never store a small group (see tests/checkins)."""
    with new_session(engine) as session:
        if rows[0]:
            session.execute(sa.insert(CheckinResponse.__table__), rows[0])  # type: ignore[attr-defined]
            session.execute(sa.insert(CheckinAnswer.__table__), rows[1])  # type: ignore[attr-defined]
        service.rebuild_rollups(session, start=first_week, end=last_week + timedelta(days=6))
        session.commit()


def add_responses(
    engine: Engine,
    department_id: uuid.UUID | None,
    week: date,
    stress: Sequence[int],
    *,
    supported: int = 4,
    profession: str = "nurse",
) -> None:
    """Answers from ``len(stress)`` people in one department and week."""
    rows = response_rows(
        default_template_id(engine),
        department_id,
        week,
        stress,
        supported=supported,
        profession=profession,
    )
    load_responses(engine, rows, first_week=week, last_week=week)


def shift_rows(
    department_id: uuid.UUID,
    week: date,
    *,
    planned: int = 10,
    actual: int = 10,
    census: int | None = 20,
) -> list[dict[str, Any]]:
    """A day shift on each day of the week."""
    now = clock.now()
    return [
        {
            "id": uuid.uuid4(),
            "department_id": department_id,
            "shift_on": week + timedelta(days=day),
            "shift": "day",
            "planned_staff": planned,
            "actual_staff": actual,
            "patient_census": census,
            "source": "web",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for day in range(7)
    ]


def add_shifts(
    engine: Engine,
    department_id: uuid.UUID,
    week: date,
    *,
    planned: int = 10,
    actual: int = 10,
    census: int | None = 20,
) -> None:
    rows = shift_rows(department_id, week, planned=planned, actual=actual, census=census)
    with engine.begin() as conn:
        conn.execute(sa.insert(StaffingShift.__table__), rows)  # type: ignore[attr-defined]


def add_reports(
    engine: Engine,
    department_id: uuid.UUID,
    submitted_on: date,
    count: int,
    *,
    kind: str = "incident",
    category: str = "medication",
    harm: str = "none",
    reporters: Sequence[uuid.UUID] = (),
) -> None:
    """``count`` reports that arrived on a day (loaded in bulk, as an import would): named
    ones from ``reporters`` in turn, anonymous ones when there are none."""
    table = Report.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "id": uuid.uuid4(),
            "mode": "named" if reporters else "anonymous",
            "reporter_id": reporters[i % len(reporters)] if reporters else None,
            "kind": kind,
            "category": category,
            "harm": harm,
            "ncc_merp": "C" if category == "medication" else None,
            "occurred_on": submitted_on,
            "department_id": department_id,
            "description": "Test report.",
            "contributing_factors": [],
            "status": "submitted",
            "source": "web",
            "submitted_on": submitted_on,
            "version": 1,
        }
        for i in range(count)
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(sa.insert(table), rows)
