"""Check-in answers, staffing rows and report rows for tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.checkins import service
from haven.checkins.models import CheckinAnswer, CheckinResponse, CheckinTemplate, StaffingShift
from haven.core import clock
from haven.core.db import new_session
from haven.reports.models import Report


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


def default_template_id(engine: Engine) -> tuple[uuid.UUID, int]:
    with new_session(engine) as session:
        service.ensure_default_template(session)
        session.commit()
        template = session.exec(select(CheckinTemplate)).first()
        assert template is not None
        return template.id, template.version


def add_responses(
    engine: Engine,
    department_id: uuid.UUID | None,
    week: date,
    stress: Sequence[int],
    *,
    supported: int = 4,
    profession: str = "nurse",
) -> None:
    """Answers from ``len(stress)`` people in one department and week (written directly,
    as a bulk load would), then the week's rollups rebuilt."""
    template_id, version = default_template_id(engine)
    responses = CheckinResponse.__table__  # type: ignore[attr-defined]
    table = CheckinAnswer.__table__  # type: ignore[attr-defined]
    with new_session(engine) as session:
        for value in stress:
            response_id = uuid.uuid4()
            session.execute(
                sa.insert(responses).values(
                    id=response_id,
                    template_id=template_id,
                    template_version=version,
                    department_id=department_id,
                    profession=profession,
                    period_start=week,
                )
            )
            for key, answer in answers(stress=value, supported=supported).items():
                session.execute(
                    sa.insert(table).values(
                        response_id=response_id, question_key=key, value=int(answer)
                    )
                )
        service.rebuild_rollups(session, start=week, end=week + timedelta(days=6))
        session.commit()


def add_shifts(
    engine: Engine,
    department_id: uuid.UUID,
    week: date,
    *,
    planned: int = 10,
    actual: int = 10,
    census: int | None = 20,
) -> None:
    """A day shift on each day of the week."""
    now = clock.now()
    with new_session(engine) as session:
        for day in range(7):
            session.add(
                StaffingShift(
                    department_id=department_id,
                    shift_on=week + timedelta(days=day),
                    shift="day",
                    planned_staff=planned,
                    actual_staff=actual,
                    patient_census=census,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.commit()


def add_reports(
    engine: Engine,
    department_id: uuid.UUID,
    occurred_on: date,
    count: int,
    *,
    kind: str = "incident",
    category: str = "medication",
    harm: str = "none",
) -> None:
    table = Report.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "id": uuid.uuid4(),
            "mode": "anonymous",
            "kind": kind,
            "category": category,
            "harm": harm,
            "ncc_merp": "C" if category == "medication" else None,
            "occurred_on": occurred_on,
            "department_id": department_id,
            "description": "Test report.",
            "contributing_factors": [],
            "status": "submitted",
            "source": "web",
            "submitted_on": occurred_on,
            "version": 1,
        }
        for _ in range(count)
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(sa.insert(table), rows)
