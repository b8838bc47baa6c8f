"""Debriefs, reports to link them to, and action items, for tests (through the services)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from haven.core import clock
from haven.core.db import new_session
from haven.core.security import Principal
from haven.debriefs import service
from haven.debriefs.schemas import (
    ActionCategory,
    ActionItemCreate,
    ActionItemRead,
    DebriefCreate,
    DebriefKind,
    DebriefRead,
    DebriefRecordWrite,
    DebriefStatus,
    DebriefTransition,
)
from haven.reports import service as reports_service
from haven.reports.schemas import (
    Category,
    ContributingFactor,
    Harm,
    ReportCreate,
    ReportKind,
    ReportMode,
)
from tests.factories.org import Person

API = "/api/v1"


def make_report(engine: Engine, reporter: Person, department_id: uuid.UUID) -> uuid.UUID:
    """A named report of a fall in the department, submitted by ``reporter``."""
    with new_session(engine) as session:
        created = reports_service.submit_report(
            session,
            reporter.principal,
            data=ReportCreate(
                mode=ReportMode.named,
                kind=ReportKind.incident,
                category=Category.fall,
                harm=Harm.mild,
                occurred_on=clock.today(),
                department_id=department_id,
                description="A patient fell on the way back from the bathroom at night.",
            ),
        )
        session.commit()
        return created.id


def debrief_body(
    department_id: uuid.UUID,
    facilitator_id: uuid.UUID,
    *,
    kind: DebriefKind = DebriefKind.hot,
    when: datetime | None = None,
    participant_ids: Sequence[uuid.UUID] = (),
    report_ids: Sequence[uuid.UUID] = (),
    title: str = "After the night-shift fall",
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "title": title,
        "department_id": str(department_id),
        "facilitator_id": str(facilitator_id),
        "scheduled_at": (when or clock.now() + timedelta(days=1)).isoformat(),
        "duration_minutes": 45,
        "location": "Seminar room 2",
        "participant_ids": [str(p) for p in participant_ids],
        "report_ids": [str(r) for r in report_ids],
    }


def make_debrief(
    engine: Engine,
    scheduler: Principal,
    *,
    department_id: uuid.UUID,
    facilitator_id: uuid.UUID,
    participant_ids: Sequence[uuid.UUID] = (),
    kind: DebriefKind = DebriefKind.hot,
    when: datetime | None = None,
    report_ids: Sequence[uuid.UUID] = (),
) -> DebriefRead:
    with new_session(engine) as session:
        created = service.create_debrief(
            session,
            scheduler,
            data=DebriefCreate.model_validate(
                debrief_body(
                    department_id,
                    facilitator_id,
                    kind=kind,
                    when=when,
                    participant_ids=participant_ids,
                    report_ids=report_ids,
                )
            ),
        )
        session.commit()
        return created


def move(engine: Engine, actor: Principal, debrief_id: uuid.UUID, to: DebriefStatus) -> DebriefRead:
    with new_session(engine) as session:
        current = service.get_debrief(session, actor, debrief_id=debrief_id)
        moved = service.transition_debrief(
            session,
            actor,
            debrief_id=debrief_id,
            data=DebriefTransition(to=to),
            if_match=f'"{current.version}"',
        )
        session.commit()
        return moved


def complete_record(engine: Engine, actor: Principal, debrief_id: uuid.UUID) -> None:
    with new_session(engine) as session:
        current = service.get_debrief(session, actor, debrief_id=debrief_id)
        service.save_record(
            session,
            actor,
            debrief_id=debrief_id,
            data=DebriefRecordWrite(
                ground_rules_acknowledged=True,
                events=["Call bell out of reach", "Bed alarm off after transfer"],
                contributing_factors=[ContributingFactor.equipment, ContributingFactor.staffing],
                support_offered=True,
            ),
            if_match=f'"{current.record.version}"',
        )
        session.commit()


def hold(engine: Engine, actor: Principal, debrief_id: uuid.UUID) -> DebriefRead:
    return move(engine, actor, debrief_id, DebriefStatus.held)


def action_body(
    owner_id: uuid.UUID,
    *,
    category: ActionCategory = ActionCategory.forcing_function,
    due_on: date | None = None,
) -> dict[str, Any]:
    return {
        "description": "Bed alarms re-arm automatically after every transfer.",
        "owner_id": str(owner_id),
        "due_on": (due_on or clock.today() + timedelta(days=30)).isoformat(),
        "category": category.value,
        "effectiveness_measure": "No unalarmed beds in a monthly spot check of 20 beds.",
    }


def make_action(
    engine: Engine,
    actor: Principal,
    debrief_id: uuid.UUID,
    owner_id: uuid.UUID,
    *,
    category: ActionCategory = ActionCategory.forcing_function,
    due_on: date | None = None,
) -> ActionItemRead:
    with new_session(engine) as session:
        created = service.create_debrief_action(
            session,
            actor,
            debrief_id=debrief_id,
            data=ActionItemCreate.model_validate(
                action_body(owner_id, category=category, due_on=due_on)
            ),
        )
        session.commit()
        return created
