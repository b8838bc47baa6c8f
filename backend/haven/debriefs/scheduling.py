"""Scheduling a debrief and changing it: who may schedule which kind where (``policy``),
when it may take place, the facilitator and participants it names, and the reports it links
(only those the scheduler may see). Time, place, kind, department and facilitator change
only while it is scheduled."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.errors import Conflict, Forbidden, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.debriefs import policy
from haven.debriefs.loading import audit_debrief, debrief_link, load_debrief, status_of
from haven.debriefs.models import (
    Debrief,
    DebriefParticipant,
    DebriefRecord,
    DebriefReport,
)
from haven.debriefs.participants import check_group_size, invitee_ids, tell_invited
from haven.debriefs.people import others, team_members
from haven.debriefs.reading import debrief_read
from haven.debriefs.schemas import (
    DebriefCreate,
    DebriefKind,
    DebriefRead,
    DebriefStatus,
    DebriefUpdate,
)
from haven.notifications import service as notifications
from haven.org import service as org_service
from haven.reports import service as reports_service

EARLIEST_SCHEDULE = timedelta(days=7)  # a debrief held already may be recorded afterwards
LATEST_SCHEDULE = timedelta(days=366)


def _check_schedule_time(scheduled_at: datetime) -> None:
    now = clock.now()
    if scheduled_at < now - EARLIEST_SCHEDULE:
        raise Unprocessable(
            "A debrief can be recorded up to 7 days after it took place.",
            errors=[field_error("scheduled_at", "More than 7 days ago.")],
        )
    if scheduled_at > now + LATEST_SCHEDULE:
        raise Unprocessable(
            "Schedule debriefs at most a year ahead.",
            errors=[field_error("scheduled_at", "More than a year ahead.")],
        )


def _check_reports(
    session: Session, principal: Principal, report_ids: Sequence[uuid.UUID], *, keep: set[uuid.UUID]
) -> list[uuid.UUID]:
    ids = list(dict.fromkeys(report_ids))
    errors = [
        field_error(f"report_ids.{i}", "No such report, or you cannot see it.")
        for i, report_id in enumerate(ids)
        if report_id not in keep
        and reports_service.visible_report_department(session, principal, report_id=report_id)
        is None
    ]
    if errors:
        raise Unprocessable("Some linked reports cannot be linked.", errors=errors)
    return ids


def _ask_to_facilitate(session: Session, principal: Principal, debrief: Debrief) -> None:
    notifications.notify(
        session,
        user_ids=others(principal, [debrief.facilitator_id]),
        kind="debrief.facilitating",
        title="You have been asked to facilitate a debrief",
        link=debrief_link(debrief.id),
    )


def create_debrief(session: Session, principal: Principal, *, data: DebriefCreate) -> DebriefRead:
    if not policy.may_schedule(principal, data.kind, data.department_id):
        raise Forbidden("You may not schedule this kind of debrief for this department.")
    org_service.require_active_department(session, data.department_id)
    team_members(session, [data.facilitator_id], field="facilitator_id", many=False)
    invitees = list(dict.fromkeys(data.participant_ids))
    check_group_size(len(invitees), field="participant_ids")
    team_members(session, invitees, field="participant_ids", many=True)
    _check_schedule_time(data.scheduled_at)
    report_ids = _check_reports(session, principal, data.report_ids, keep=set())
    now = clock.now()
    debrief = Debrief(
        kind=data.kind.value,
        title=data.title,
        status=DebriefStatus.scheduled.value,
        department_id=data.department_id,
        facilitator_id=data.facilitator_id,
        scheduled_at=data.scheduled_at.astimezone(UTC).replace(microsecond=0),
        duration_minutes=data.duration_minutes,
        location=data.location or None,
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(debrief)
    session.flush()
    session.add(DebriefRecord(debrief_id=debrief.id))
    for report_id in report_ids:
        session.add(DebriefReport(debrief_id=debrief.id, report_id=report_id))
    for user_id in invitees:
        session.add(DebriefParticipant(debrief_id=debrief.id, user_id=user_id, invited_at=now))
    session.flush()
    audit_debrief(session, principal, "debrief.created", debrief.id)
    _ask_to_facilitate(session, principal, debrief)
    tell_invited(session, principal, debrief.id, invitees)
    return debrief_read(session, principal, debrief)


_SCHEDULE_FIELDS = ("kind", "department_id", "facilitator_id", "scheduled_at", "duration_minutes")


def update_debrief(
    session: Session,
    principal: Principal,
    *,
    debrief_id: uuid.UUID,
    data: DebriefUpdate,
    if_match: str | None,
) -> DebriefRead:
    debrief = load_debrief(session, principal, debrief_id, run=True)
    require_if_match(if_match, debrief.version)
    status = status_of(debrief)
    if status in (DebriefStatus.closed, DebriefStatus.cancelled):
        raise Conflict(f"A {status.value} debrief cannot be changed.")
    changes = data.model_dump(exclude_unset=True)
    required = ("kind", "title", "department_id", "facilitator_id", "scheduled_at")
    nulled = [
        name
        for name in (*required, "duration_minutes", "report_ids")
        if name in changes and changes[name] is None
    ]
    if nulled:
        raise Unprocessable(
            "Some fields cannot be cleared.",
            errors=[field_error(name, "Cannot be null.") for name in nulled],
        )
    moved = [name for name in (*_SCHEDULE_FIELDS, "location") if name in changes]
    if moved and status != DebriefStatus.scheduled:
        raise Conflict(
            "Only a scheduled debrief can be moved or reassigned.",
            errors=[field_error(name, "Fixed once the debrief is held.") for name in moved],
        )
    kind = DebriefKind(changes.get("kind", debrief.kind))
    department_id = changes.get("department_id", debrief.department_id)
    if ("kind" in changes or "department_id" in changes) and not policy.may_schedule(
        principal, kind, department_id
    ):
        raise Forbidden("You may not make this a debrief of that kind or department.")
    if "department_id" in changes:
        org_service.require_active_department(session, department_id)
    old_facilitator = debrief.facilitator_id
    if "facilitator_id" in changes:
        team_members(session, [changes["facilitator_id"]], field="facilitator_id", many=False)
    if "scheduled_at" in changes:
        _check_schedule_time(changes["scheduled_at"])
        changes["scheduled_at"] = changes["scheduled_at"].astimezone(UTC).replace(microsecond=0)
    rescheduled = any(
        name in changes and changes[name] != getattr(debrief, name)
        for name in ("scheduled_at", "duration_minutes", "location")
    )
    if "report_ids" in changes:
        linked = set(
            session.exec(
                select(DebriefReport.report_id).where(col(DebriefReport.debrief_id) == debrief.id)
            ).all()
        )
        wanted = _check_reports(session, principal, changes.pop("report_ids"), keep=linked)
        session.execute(sa.delete(DebriefReport).where(col(DebriefReport.debrief_id) == debrief.id))
        for report_id in wanted:
            session.add(DebriefReport(debrief_id=debrief.id, report_id=report_id))
    for name, value in changes.items():
        if name == "kind":
            value = DebriefKind(value).value
        if name == "location":
            value = value or None
        setattr(debrief, name, value)
    debrief.updated_at = clock.now()
    session.add(debrief)
    session.flush()
    audit_debrief(session, principal, "debrief.updated", debrief.id)
    if debrief.facilitator_id != old_facilitator:
        _ask_to_facilitate(session, principal, debrief)
    if rescheduled:
        notifications.notify(
            session,
            user_ids=others(principal, [*invitee_ids(session, debrief.id), old_facilitator]),
            kind="debrief.rescheduled",
            title="A debrief you are invited to has changed time or place",
            link=debrief_link(debrief.id),
        )
    return debrief_read(session, principal, debrief)
