"""Debrief rules: scheduling, participants and attendance, the blame-free record, the
workflow, action items graded by strength, anonymous feedback, the calendar export, and the
weekly figures insights reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from icalendar import Calendar, Event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import Role, UserRead
from haven.core import audit, clock
from haven.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unprocessable,
    field_error,
)
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.core.versioning import require_if_match
from haven.debriefs import policy
from haven.debriefs.models import (
    ActionItem,
    Debrief,
    DebriefFeedbackAnswer,
    DebriefFeedbackGiver,
    DebriefParticipant,
    DebriefRecord,
    DebriefReport,
)
from haven.debriefs.policy import DebriefFacts
from haven.debriefs.schemas import (
    ActionCategory,
    ActionCategoryInfo,
    ActionItemCreate,
    ActionItemRead,
    ActionItemUpdate,
    ActionStatus,
    ActionStrength,
    AttendanceUpdate,
    DebriefCreate,
    DebriefFeedbackCreate,
    DebriefFeedbackSummary,
    DebriefKind,
    DebriefListItem,
    DebriefRead,
    DebriefRecordRead,
    DebriefRecordWrite,
    DebriefStatus,
    DebriefTransition,
    DebriefUpdate,
    DebriefWeekFigures,
    FeedbackState,
    GroundRules,
    OverdueCount,
    ParticipantRead,
    ParticipantsInvite,
    PersonRef,
    TeamMember,
)
from haven.notifications import service as notifications
from haven.org import service as org_service
from haven.reports import service as reports_service
from haven.reports.schemas import ContributingFactor

# People who take part in debriefs and own actions: members of staff, not the accounts
# that exist for administration or audit only.
TEAM_ROLES = frozenset(
    {
        Role.staff,
        Role.peer_supporter,
        Role.support_coordinator,
        Role.safety_officer,
        Role.department_lead,
    }
)
EARLIEST_SCHEDULE = timedelta(days=7)  # a debrief held already may be recorded afterwards
LATEST_SCHEDULE = timedelta(days=366)
MAX_CALENDAR_EVENTS = 200


# --- people ----------------------------------------------------------------------------


def _team_members(
    session: Session, ids: Sequence[uuid.UUID], *, field: str, many: bool
) -> dict[uuid.UUID, UserRead]:
    """The named people, each active and a member of staff; 422 naming the bad ones."""
    people = auth_service.users_by_id(session, ids)
    errors: list[FieldError] = []
    for i, person_id in enumerate(ids):
        person = people.get(person_id)
        if person is None or not person.is_active or not TEAM_ROLES.intersection(person.roles):
            errors.append(
                field_error(f"{field}.{i}" if many else field, "No active member of staff.")
            )
    if errors:
        raise Unprocessable("Some of the people named cannot take part.", errors=errors)
    return people


def list_team_members(
    session: Session,
    principal: Principal,
    *,
    department_id: uuid.UUID | None,
    params: PageParams,
) -> tuple[list[TeamMember], str | None]:
    """Active members of staff by name, to pick a facilitator, participants or an owner.

    For those who schedule debriefs, and for facilitators of a debrief still under way (they
    invite late participants and name owners); nobody else browses the staff list here.
    """
    if not (
        policy.may_pick_people(principal)
        or session.exec(
            select(Debrief.id).where(
                col(Debrief.facilitator_id) == principal.id,
                col(Debrief.status).in_([s.value for s in policy.RECORD_OPEN]),
            )
        ).first()
    ):
        raise Forbidden("Only those who schedule or run debriefs look people up here.")
    people, cursor = auth_service.list_users(
        session, params=params, department_id=department_id, include_inactive=False
    )
    return [
        TeamMember(id=p.id, display_name=p.display_name, department_id=p.department_id)
        for p in people
        if TEAM_ROLES.intersection(p.roles)
    ], cursor


def _refs(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PersonRef]:
    return {
        p.id: PersonRef(id=p.id, display_name=p.display_name)
        for p in auth_service.users_by_id(session, ids).values()
    }


def _ref(refs: dict[uuid.UUID, PersonRef], person_id: uuid.UUID) -> PersonRef:
    return refs.get(person_id) or PersonRef(id=person_id, display_name="Unknown person")


# --- loading ---------------------------------------------------------------------------


def _facts(debrief: Debrief) -> DebriefFacts:
    return DebriefFacts(
        department_id=debrief.department_id,
        facilitator_id=debrief.facilitator_id,
        kind=DebriefKind(debrief.kind),
    )


def _participation(
    session: Session, debrief_id: uuid.UUID, user_id: uuid.UUID
) -> DebriefParticipant | None:
    return session.get(DebriefParticipant, (debrief_id, user_id))


def _load(
    session: Session, principal: Principal, debrief_id: uuid.UUID, *, run: bool = False
) -> Debrief:
    """The debrief if the principal may read it (404 otherwise); 403 when ``run`` is asked
    of someone who may only read it."""
    debrief = session.get(Debrief, debrief_id)
    if debrief is None:
        raise NotFound("No such debrief.")
    facts = _facts(debrief)
    if policy.may_run(principal, facts):
        return debrief
    invited = principal.kind == "user" and (
        _participation(session, debrief.id, principal.id) is not None
    )
    if not policy.may_read(principal, facts, is_participant=invited):
        raise NotFound("No such debrief.")
    if run:
        raise Forbidden("Only those who run this debrief may do this.")
    return debrief


def _status(debrief: Debrief) -> DebriefStatus:
    return DebriefStatus(debrief.status)


def _record(session: Session, debrief: Debrief) -> DebriefRecord:
    record = session.get(DebriefRecord, debrief.id)
    if record is None:  # created with the debrief; kept defensive for hand-made rows
        record = DebriefRecord(debrief_id=debrief.id)
        session.add(record)
        session.flush()
    return record


# --- reading ---------------------------------------------------------------------------


def _record_read(record: DebriefRecord) -> DebriefRecordRead:
    text = (
        record.ground_rules_text
        if record.ground_rules_acknowledged and record.ground_rules_text
        else get_settings().debriefs.ground_rules_text
    )
    return DebriefRecordRead(
        ground_rules=GroundRules(
            acknowledged=record.ground_rules_acknowledged,
            text=text,
            acknowledged_at=record.ground_rules_acknowledged_at,
        ),
        events=list(record.events),
        went_well=record.went_well,
        was_hard=record.was_hard,
        contributing_factors=[ContributingFactor(f) for f in record.contributing_factors],
        learnings=record.learnings,
        support_offered=record.support_offered,
        version=record.version,
        updated_at=record.updated_at,
    )


def _participants(session: Session, debrief_id: uuid.UUID) -> list[ParticipantRead]:
    rows = session.exec(
        select(DebriefParticipant).where(col(DebriefParticipant.debrief_id) == debrief_id)
    ).all()
    refs = _refs(session, [r.user_id for r in rows])
    return sorted(
        (
            ParticipantRead(
                user_id=r.user_id,
                display_name=_ref(refs, r.user_id).display_name,
                attended=r.attended,
            )
            for r in rows
        ),
        key=lambda p: (p.display_name.casefold(), p.user_id),
    )


def feedback_is_open(debrief: Debrief, now: datetime | None = None) -> bool:
    if _status(debrief) not in policy.FEEDBACK_OPEN or debrief.held_at is None:
        return False
    window = timedelta(days=get_settings().debriefs.feedback_window_days)
    return (now or clock.now()) < debrief.held_at + window


def _feedback_state(session: Session, principal: Principal, debrief: Debrief) -> FeedbackState:
    is_open = feedback_is_open(debrief)
    if principal.kind != "user":
        return FeedbackState(is_open=is_open, can_give=False, given=False)
    given = session.get(DebriefFeedbackGiver, (debrief.id, principal.id)) is not None
    participation = _participation(session, debrief.id, principal.id)
    eligible = participation is not None and participation.attended is not False
    return FeedbackState(is_open=is_open, can_give=is_open and eligible and not given, given=given)


def _list_item(debrief: Debrief, refs: dict[uuid.UUID, PersonRef]) -> DebriefListItem:
    return DebriefListItem(
        id=debrief.id,
        kind=DebriefKind(debrief.kind),
        title=debrief.title,
        status=_status(debrief),
        department_id=debrief.department_id,
        facilitator=_ref(refs, debrief.facilitator_id),
        scheduled_at=debrief.scheduled_at,
        duration_minutes=debrief.duration_minutes,
        location=debrief.location,
        version=debrief.version,
    )


def _read(session: Session, principal: Principal, debrief: Debrief) -> DebriefRead:
    runs = policy.may_run(principal, _facts(debrief))
    report_ids: list[uuid.UUID] = []
    if runs:
        report_ids = sorted(
            session.exec(
                select(DebriefReport.report_id).where(col(DebriefReport.debrief_id) == debrief.id)
            ).all()
        )
    item = _list_item(debrief, _refs(session, [debrief.facilitator_id]))
    return DebriefRead(
        **item.model_dump(),
        report_ids=report_ids,
        participants=_participants(session, debrief.id),
        record=_record_read(_record(session, debrief)),
        held_at=debrief.held_at,
        cancel_reason=debrief.cancel_reason if runs else None,
        can_manage=runs,
        allowed_transitions=policy.allowed_transitions(_status(debrief)) if runs else [],
        feedback=_feedback_state(session, principal, debrief),
        created_at=debrief.created_at,
    )


def get_debrief(session: Session, principal: Principal, *, debrief_id: uuid.UUID) -> DebriefRead:
    return _read(session, principal, _load(session, principal, debrief_id))


@dataclass(frozen=True)
class DebriefFilters:
    status: DebriefStatus | None = None
    kind: DebriefKind | None = None
    department_id: uuid.UUID | None = None
    upcoming: bool = False
    mine: bool = False


_DEBRIEF_ORDER = (col(Debrief.scheduled_at), col(Debrief.id))


def list_debriefs(
    session: Session, principal: Principal, *, filters: DebriefFilters, params: PageParams
) -> tuple[list[DebriefListItem], str | None]:
    """Newest first; ``upcoming`` lists scheduled ones from now on, soonest first."""
    stmt = policy.scope_debriefs(select(Debrief), principal)
    if filters.status is not None:
        stmt = stmt.where(col(Debrief.status) == filters.status.value)
    if filters.kind is not None:
        stmt = stmt.where(col(Debrief.kind) == filters.kind.value)
    if filters.department_id is not None:
        stmt = stmt.where(col(Debrief.department_id) == filters.department_id)
    if filters.mine:
        invited = select(DebriefParticipant.debrief_id).where(
            col(DebriefParticipant.user_id) == principal.id
        )
        stmt = stmt.where(
            sa.or_(col(Debrief.facilitator_id) == principal.id, col(Debrief.id).in_(invited))
        )
    if filters.upcoming:
        # Still upcoming while it may be running: from its start minus the longest session.
        stmt = stmt.where(
            col(Debrief.status) == DebriefStatus.scheduled.value,
            col(Debrief.scheduled_at) >= clock.now() - timedelta(hours=8),
        )
    rows, cursor = paginate(
        session, stmt, keys=_DEBRIEF_ORDER, params=params, descending=not filters.upcoming
    )
    refs = _refs(session, {r.facilitator_id for r in rows})
    return [_list_item(r, refs) for r in rows], cursor


# --- scheduling ------------------------------------------------------------------------


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


def _audit(session: Session, principal: Principal, action: str, debrief_id: uuid.UUID) -> None:
    audit.record_event(
        session, principal, action=action, object_type="debrief", object_id=debrief_id
    )


def _link(debrief_id: uuid.UUID) -> str:
    return f"/debriefs/{debrief_id}"


def _others(principal: Principal, ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    return [i for i in dict.fromkeys(ids) if i != principal.id]


def create_debrief(session: Session, principal: Principal, *, data: DebriefCreate) -> DebriefRead:
    if not policy.may_schedule(principal, data.kind, data.department_id):
        raise Forbidden("You may not schedule this kind of debrief for this department.")
    org_service.require_active_department(session, data.department_id)
    _team_members(session, [data.facilitator_id], field="facilitator_id", many=False)
    invitees = list(dict.fromkeys(data.participant_ids))
    if len(invitees) > get_settings().debriefs.max_participants:
        raise Unprocessable(
            "Too many participants for one debrief.",
            errors=[field_error("participant_ids", "Too many people.")],
        )
    _team_members(session, invitees, field="participant_ids", many=True)
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
    _audit(session, principal, "debrief.created", debrief.id)
    notifications.notify(
        session,
        user_ids=_others(principal, [debrief.facilitator_id]),
        kind="debrief.facilitating",
        title="You have been asked to facilitate a debrief",
        link=_link(debrief.id),
    )
    notifications.notify(
        session,
        user_ids=_others(principal, invitees),
        kind="debrief.invited",
        title="You have been invited to a debrief",
        link=_link(debrief.id),
    )
    return _read(session, principal, debrief)


_SCHEDULE_FIELDS = ("kind", "department_id", "facilitator_id", "scheduled_at", "duration_minutes")


def update_debrief(
    session: Session,
    principal: Principal,
    *,
    debrief_id: uuid.UUID,
    data: DebriefUpdate,
    if_match: str | None,
) -> DebriefRead:
    debrief = _load(session, principal, debrief_id, run=True)
    require_if_match(if_match, debrief.version)
    status = _status(debrief)
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
        _team_members(session, [changes["facilitator_id"]], field="facilitator_id", many=False)
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
    _audit(session, principal, "debrief.updated", debrief.id)
    if debrief.facilitator_id != old_facilitator:
        notifications.notify(
            session,
            user_ids=_others(principal, [debrief.facilitator_id]),
            kind="debrief.facilitating",
            title="You have been asked to facilitate a debrief",
            link=_link(debrief.id),
        )
    if rescheduled:
        notifications.notify(
            session,
            user_ids=_others(principal, [*_invitee_ids(session, debrief.id), old_facilitator]),
            kind="debrief.rescheduled",
            title="A debrief you are invited to has changed time or place",
            link=_link(debrief.id),
        )
    return _read(session, principal, debrief)


def _invitee_ids(
    session: Session, debrief_id: uuid.UUID, *, present_only: bool = False
) -> list[uuid.UUID]:
    stmt = select(DebriefParticipant.user_id).where(
        col(DebriefParticipant.debrief_id) == debrief_id
    )
    if present_only:
        stmt = stmt.where(
            sa.or_(
                col(DebriefParticipant.attended).is_(None),
                col(DebriefParticipant.attended).is_(True),
            )
        )
    return list(session.exec(stmt).all())


def transition_debrief(
    session: Session,
    principal: Principal,
    *,
    debrief_id: uuid.UUID,
    data: DebriefTransition,
    if_match: str | None,
) -> DebriefRead:
    debrief = _load(session, principal, debrief_id, run=True)
    require_if_match(if_match, debrief.version)
    current = _status(debrief)
    if data.to not in policy.TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in policy.allowed_transitions(current)) or "none"
        raise Conflict(
            f"A {current.value} debrief cannot move to {data.to.value} (allowed: {allowed}).",
            errors=[field_error("to", "Not allowed from the current status.")],
        )
    now = clock.now()
    if data.to == DebriefStatus.summarized:
        record = _record(session, debrief)
        errors = []
        if not record.ground_rules_acknowledged:
            errors.append(
                field_error("record.ground_rules_acknowledged", "The ground rules were not agreed.")
            )
        if not record.contributing_factors:
            errors.append(
                field_error(
                    "record.contributing_factors", "Name at least one contributing system factor."
                )
            )
        if errors:
            raise Unprocessable("The record is not ready to be summarised.", errors=errors)
    if data.to == DebriefStatus.held:
        debrief.held_at = now
    if data.to == DebriefStatus.cancelled:
        debrief.cancel_reason = (data.reason or "").strip() or None
    debrief.status = data.to.value
    debrief.updated_at = now
    session.add(debrief)
    session.flush()
    _audit(session, principal, f"debrief.status.{data.to.value}", debrief.id)
    if data.to == DebriefStatus.cancelled:
        notifications.notify(
            session,
            user_ids=_others(
                principal, [*_invitee_ids(session, debrief.id), debrief.facilitator_id]
            ),
            kind="debrief.cancelled",
            title="A debrief you were invited to was cancelled",
            link=_link(debrief.id),
        )
    if data.to == DebriefStatus.held:
        notifications.notify(
            session,
            user_ids=_others(principal, _invitee_ids(session, debrief.id, present_only=True)),
            kind="debrief.feedback",
            title="Tell us anonymously how a debrief went",
            link=f"{_link(debrief.id)}/feedback",
            email=False,
        )
    return _read(session, principal, debrief)


# --- participants ----------------------------------------------------------------------


def invite_participants(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: ParticipantsInvite
) -> list[ParticipantRead]:
    debrief = _load(session, principal, debrief_id, run=True)
    status = _status(debrief)
    if status not in policy.INVITES_OPEN:
        raise Conflict(f"People cannot be invited to a {status.value} debrief.")
    wanted = list(dict.fromkeys(data.user_ids))
    _team_members(session, wanted, field="user_ids", many=True)
    present = set(_invitee_ids(session, debrief.id))
    new = [u for u in wanted if u not in present]
    if len(present) + len(new) > get_settings().debriefs.max_participants:
        raise Unprocessable(
            "Too many participants for one debrief.",
            errors=[field_error("user_ids", "Too many people.")],
        )
    now = clock.now()
    for user_id in new:
        session.add(DebriefParticipant(debrief_id=debrief.id, user_id=user_id, invited_at=now))
    session.flush()
    if new:
        _audit(session, principal, "debrief.participants_invited", debrief.id)
        notifications.notify(
            session,
            user_ids=_others(principal, new),
            kind="debrief.invited",
            title="You have been invited to a debrief",
            link=_link(debrief.id),
        )
    return _participants(session, debrief.id)


def remove_participant(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    debrief = _load(session, principal, debrief_id, run=True)
    if _status(debrief) != DebriefStatus.scheduled:
        raise Conflict("Once a debrief is held its participants are part of the record.")
    row = _participation(session, debrief.id, user_id)
    if row is None:
        raise NotFound("This person is not invited.")
    session.delete(row)
    session.flush()
    _audit(session, principal, "debrief.participant_removed", debrief.id)


def record_attendance(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: AttendanceUpdate
) -> list[ParticipantRead]:
    debrief = _load(session, principal, debrief_id, run=True)
    status = _status(debrief)
    if status not in policy.RECORD_OPEN:
        raise Conflict(f"Attendance of a {status.value} debrief cannot be changed.")
    both = set(data.attended) & set(data.absent)
    invited = set(_invitee_ids(session, debrief.id))
    errors = [
        field_error(f"{name}.{i}", "Not invited to this debrief.")
        for name, ids in (("attended", data.attended), ("absent", data.absent))
        for i, user_id in enumerate(ids)
        if user_id not in invited
    ]
    errors += [field_error("absent", "Someone is marked both present and absent.")] if both else []
    if errors:
        raise Unprocessable("Attendance names people who are not participants.", errors=errors)
    for user_id, attended in [(u, True) for u in data.attended] + [(u, False) for u in data.absent]:
        row = _participation(session, debrief.id, user_id)
        assert row is not None
        row.attended = attended
        session.add(row)
    session.flush()
    _audit(session, principal, "debrief.attendance_recorded", debrief.id)
    return _participants(session, debrief.id)


# --- the record ------------------------------------------------------------------------


def save_record(
    session: Session,
    principal: Principal,
    *,
    debrief_id: uuid.UUID,
    data: DebriefRecordWrite,
    if_match: str | None,
) -> DebriefRecordRead:
    debrief = _load(session, principal, debrief_id, run=True)
    status = _status(debrief)
    if status not in policy.RECORD_OPEN:
        raise Conflict(f"The record of a {status.value} debrief is final.")
    record = _record(session, debrief)
    require_if_match(if_match, record.version)
    factors = [f.value for f in dict.fromkeys(data.contributing_factors)]
    if status == DebriefStatus.summarized:
        errors = []
        if not data.ground_rules_acknowledged:
            errors.append(
                field_error("ground_rules_acknowledged", "A summarised record keeps this agreed.")
            )
        if not factors:
            errors.append(
                field_error("contributing_factors", "A summarised record names at least one.")
            )
        if errors:
            raise Unprocessable("The summary would lose what it needs.", errors=errors)
    now = clock.now()
    if data.ground_rules_acknowledged and not record.ground_rules_acknowledged:
        # Stored as agreed: a later change of the configured statement leaves this one alone.
        record.ground_rules_text = get_settings().debriefs.ground_rules_text
        record.ground_rules_acknowledged_at = now
    elif not data.ground_rules_acknowledged:
        record.ground_rules_text = None
        record.ground_rules_acknowledged_at = None
    record.ground_rules_acknowledged = data.ground_rules_acknowledged
    record.events = list(data.events)
    record.went_well = data.went_well or None
    record.was_hard = data.was_hard or None
    record.contributing_factors = factors
    record.learnings = data.learnings or None
    record.support_offered = data.support_offered
    record.updated_at = now
    session.add(record)
    session.flush()
    _audit(session, principal, "debrief.record_saved", debrief.id)
    return _record_read(record)


# --- anonymous feedback ----------------------------------------------------------------


def give_feedback(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: DebriefFeedbackCreate
) -> None:
    """Store one participant's answer with no link to them: see the models' docstring.

    No audit row, no idempotency record (its request hash would tie the body to the caller),
    and every answer of the debrief is written again in the order of its random id, so on
    PostgreSQL too all rows carry the same transaction id and a physical order that says
    nothing about who answered when.
    """
    debrief = _load(session, principal, debrief_id)
    if not feedback_is_open(debrief):
        raise Conflict("Feedback on this debrief is not open.")
    participation = _participation(session, debrief.id, principal.id)
    if participation is None or participation.attended is False:
        raise Forbidden("Only the debrief's participants give feedback.")
    # Take the debrief's write lock first (row lock on PostgreSQL, the write lock on SQLite),
    # so answers of one debrief are stored one after the other, never lost in a race.
    table = Debrief.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(table).where(table.c.id == debrief.id).values(id=table.c.id))
    if session.get(DebriefFeedbackGiver, (debrief.id, principal.id)) is not None:
        raise Conflict("You have already given feedback on this debrief.")
    answers_table = DebriefFeedbackAnswer.__table__  # type: ignore[attr-defined]
    givers_table = DebriefFeedbackGiver.__table__  # type: ignore[attr-defined]
    answers = [
        dict(row._mapping)
        for row in session.execute(
            sa.select(answers_table).where(answers_table.c.debrief_id == debrief.id)
        ).all()
    ]
    answers.append(
        {
            "id": uuid.uuid4(),
            "debrief_id": debrief.id,
            "felt_safe": data.felt_safe,
            "systems_focus": data.systems_focus,
            "useful": data.useful,
        }
    )
    givers = [
        *session.execute(
            sa.select(givers_table.c.user_id).where(givers_table.c.debrief_id == debrief.id)
        ).scalars(),
        principal.id,
    ]
    session.execute(sa.delete(answers_table).where(answers_table.c.debrief_id == debrief.id))
    session.execute(sa.delete(givers_table).where(givers_table.c.debrief_id == debrief.id))
    session.execute(sa.insert(answers_table), sorted(answers, key=lambda a: a["id"]))
    session.execute(
        sa.insert(givers_table),
        [{"debrief_id": debrief.id, "user_id": u} for u in sorted(givers)],
    )


def feedback_summary(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID
) -> DebriefFeedbackSummary:
    debrief = _load(session, principal, debrief_id, run=True)
    answers = DebriefFeedbackAnswer.__table__  # type: ignore[attr-defined]
    count, safe, systems, useful = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.avg(answers.c.felt_safe),
            sa.func.avg(answers.c.systems_focus),
            sa.func.avg(answers.c.useful),
        ).where(answers.c.debrief_id == debrief.id)
    ).one()
    minimum = get_settings().debriefs.feedback_min_responses
    closed = debrief.held_at is not None and not feedback_is_open(debrief)
    published = closed and int(count) >= minimum

    def shown(value: Any) -> float | None:
        return round(float(value), 1) if published and value is not None else None

    return DebriefFeedbackSummary(
        responses=int(count),
        minimum_responses=minimum,
        published=published,
        felt_safe=shown(safe),
        systems_focus=shown(systems),
        useful=shown(useful),
    )


# --- action items ----------------------------------------------------------------------


def action_categories() -> list[ActionCategoryInfo]:
    return [
        ActionCategoryInfo(
            category=category, strength=info.strength, label=info.label, example=info.example
        )
        for category, info in policy.HIERARCHY.items()
    ]


def _sources(session: Session, items: Sequence[ActionItem]) -> dict[uuid.UUID, DebriefFacts]:
    ids = {i.debrief_id for i in items if i.debrief_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(Debrief).where(col(Debrief.id).in_(ids))).all()
    return {d.id: _facts(d) for d in rows}


def _is_overdue(item: ActionItem, today: date) -> bool:
    return ActionStatus(item.status) in policy.STILL_TO_DO and item.due_on < today


def _action_reads(
    session: Session, principal: Principal, items: Sequence[ActionItem]
) -> list[ActionItemRead]:
    refs = _refs(session, {i.owner_id for i in items})
    sources = _sources(session, items)
    today = clock.today()
    reads = []
    for item in items:
        source = sources.get(item.debrief_id) if item.debrief_id else None
        manages = policy.may_manage_action(principal, item.department_id, source)
        category = ActionCategory(item.category)
        status = ActionStatus(item.status)
        reads.append(
            ActionItemRead(
                id=item.id,
                debrief_id=item.debrief_id,
                report_id=item.report_id,
                department_id=item.department_id,
                description=item.description,
                owner=_ref(refs, item.owner_id),
                due_on=item.due_on,
                status=status,
                category=category,
                strength=policy.strength_of(category),
                effectiveness_measure=item.effectiveness_measure,
                verification_note=item.verification_note,
                is_overdue=_is_overdue(item, today),
                can_manage=manages,
                allowed_statuses=policy.statuses_for(
                    principal, status=status, owner_id=item.owner_id, manages=manages
                ),
                created_at=item.created_at,
                done_at=item.done_at,
                verified_at=item.verified_at,
                version=item.version,
            )
        )
    return reads


def _check_due(due_on: date) -> None:
    if due_on < clock.today():
        raise Unprocessable(
            "The due date is in the past.", errors=[field_error("due_on", "Choose today or later.")]
        )
    if due_on > clock.today() + timedelta(days=3 * 366):
        raise Unprocessable(
            "The due date is too far ahead.",
            errors=[field_error("due_on", "At most three years ahead.")],
        )


def _new_action(
    session: Session,
    principal: Principal,
    data: ActionItemCreate,
    *,
    department_id: uuid.UUID,
    debrief_id: uuid.UUID | None,
    report_id: uuid.UUID | None,
) -> ActionItemRead:
    _team_members(session, [data.owner_id], field="owner_id", many=False)
    _check_due(data.due_on)
    now = clock.now()
    item = ActionItem(
        debrief_id=debrief_id,
        report_id=report_id,
        department_id=department_id,
        description=data.description,
        owner_id=data.owner_id,
        due_on=data.due_on,
        status=ActionStatus.open.value,
        category=data.category.value,
        strength=policy.strength_of(data.category).value,
        effectiveness_measure=data.effectiveness_measure,
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    audit.record_event(
        session,
        principal,
        action="action_item.created",
        object_type="action_item",
        object_id=item.id,
    )
    notifications.notify(
        session,
        user_ids=_others(principal, [item.owner_id]),
        kind="action_item.assigned",
        title="You have a new action item",
        link=f"/action-items/{item.id}",
    )
    return _action_reads(session, principal, [item])[0]


def create_debrief_action(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: ActionItemCreate
) -> ActionItemRead:
    debrief = _load(session, principal, debrief_id, run=True)
    status = _status(debrief)
    if status not in policy.ACTIONS_OPEN:
        raise Conflict(
            f"Action items are added once a debrief is held, not to a {status.value} one."
        )
    return _new_action(
        session,
        principal,
        data,
        department_id=debrief.department_id,
        debrief_id=debrief.id,
        report_id=None,
    )


def create_report_action(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: ActionItemCreate
) -> ActionItemRead:
    department_id = reports_service.visible_report_department(
        session, principal, report_id=report_id
    )
    if department_id is None:
        raise NotFound("No such report.")
    if not policy.may_manage_action(principal, department_id, None):
        raise Forbidden("Only the safety team and the department's lead add actions to reports.")
    return _new_action(
        session, principal, data, department_id=department_id, debrief_id=None, report_id=report_id
    )


def _load_action(session: Session, principal: Principal, action_item_id: uuid.UUID) -> ActionItem:
    item = session.exec(
        policy.scope_actions(
            select(ActionItem).where(col(ActionItem.id) == action_item_id), principal
        )
    ).first()
    if item is None:
        raise NotFound("No such action item.")
    return item


def get_action_item(
    session: Session, principal: Principal, *, action_item_id: uuid.UUID
) -> ActionItemRead:
    return _action_reads(session, principal, [_load_action(session, principal, action_item_id)])[0]


def update_action_item(
    session: Session,
    principal: Principal,
    *,
    action_item_id: uuid.UUID,
    data: ActionItemUpdate,
    if_match: str | None,
) -> ActionItemRead:
    item = _load_action(session, principal, action_item_id)
    source = _sources(session, [item]).get(item.debrief_id) if item.debrief_id else None
    manages = policy.may_manage_action(principal, item.department_id, source)
    is_owner = principal.kind == "user" and principal.id == item.owner_id
    if not manages and not is_owner:
        raise Forbidden("Only the owner and those who manage this action may change it.")
    require_if_match(if_match, item.version)
    changes = data.model_dump(exclude_unset=True)
    nulled = [name for name, value in changes.items() if value is None]
    if nulled:
        raise Unprocessable(
            "Some fields cannot be cleared.",
            errors=[field_error(name, "Cannot be null.") for name in nulled],
        )
    if not manages:
        others = sorted(set(changes) - {"status", "verification_note"})
        if others:
            raise Forbidden(
                "As the owner you may move the action along; its content is changed by those "
                "who manage it."
            )
    old_status = ActionStatus(item.status)
    new_status = ActionStatus(changes.get("status", item.status))
    if new_status != old_status:
        allowed = policy.statuses_for(
            principal, status=old_status, owner_id=item.owner_id, manages=manages
        )
        if new_status not in allowed:
            raise Conflict(
                f"An action item that is {old_status.value} cannot move to {new_status.value} "
                "here.",
                errors=[field_error("status", "Not allowed from the current status.")],
            )
    if "verification_note" in changes and new_status != ActionStatus.verified:
        raise Unprocessable(
            "A verification note goes with marking the action verified.",
            errors=[field_error("verification_note", "Only when verifying.")],
        )
    verifying = new_status == ActionStatus.verified and old_status != ActionStatus.verified
    if verifying and not (changes.get("verification_note") or "").strip():
        raise Unprocessable(
            "Say how effectiveness was checked before marking the action verified.",
            errors=[field_error("verification_note", "Required to verify.")],
        )
    if "owner_id" in changes:
        _team_members(session, [changes["owner_id"]], field="owner_id", many=False)
    if "due_on" in changes and changes["due_on"] != item.due_on:
        _check_due(changes["due_on"])
    old_owner = item.owner_id
    now = clock.now()
    for name in ("description", "owner_id", "due_on", "effectiveness_measure"):
        if name in changes:
            setattr(item, name, changes[name])
    if "category" in changes:
        category = ActionCategory(changes["category"])
        item.category = category.value
        item.strength = policy.strength_of(category).value
    if new_status != old_status:
        item.status = new_status.value
        if new_status == ActionStatus.done and item.done_at is None:
            item.done_at = now
        if new_status in policy.STILL_TO_DO:
            item.done_at = None
        if new_status == ActionStatus.verified:
            item.verified_at = now
            item.verification_note = changes["verification_note"].strip()
    item.updated_at = now
    session.add(item)
    session.flush()
    action = (
        f"action_item.status.{new_status.value}"
        if new_status != old_status
        else "action_item.updated"
    )
    audit.record_event(
        session, principal, action=action, object_type="action_item", object_id=item.id
    )
    if item.owner_id != old_owner:
        notifications.notify(
            session,
            user_ids=_others(principal, [item.owner_id]),
            kind="action_item.assigned",
            title="You have a new action item",
            link=f"/action-items/{item.id}",
        )
    return _action_reads(session, principal, [item])[0]


@dataclass(frozen=True)
class ActionFilters:
    department_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    status: ActionStatus | None = None
    strength: ActionStrength | None = None
    overdue: bool | None = None
    debrief_id: uuid.UUID | None = None
    report_id: uuid.UUID | None = None


def _still_to_do() -> Any:
    return col(ActionItem.status).in_([s.value for s in policy.STILL_TO_DO])


def list_action_items(
    session: Session, principal: Principal, *, filters: ActionFilters, params: PageParams
) -> tuple[list[ActionItemRead], str | None]:
    """Soonest due first."""
    stmt = policy.scope_actions(select(ActionItem), principal)
    for column, value in (
        (ActionItem.department_id, filters.department_id),
        (ActionItem.owner_id, filters.owner_id),
        (ActionItem.debrief_id, filters.debrief_id),
        (ActionItem.report_id, filters.report_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if filters.status is not None:
        stmt = stmt.where(col(ActionItem.status) == filters.status.value)
    if filters.strength is not None:
        stmt = stmt.where(col(ActionItem.strength) == filters.strength.value)
    if filters.overdue is True:
        stmt = stmt.where(_still_to_do(), col(ActionItem.due_on) < clock.today())
    elif filters.overdue is False:
        stmt = stmt.where(sa.not_(sa.and_(_still_to_do(), col(ActionItem.due_on) < clock.today())))
    rows, cursor = paginate(
        session, stmt, keys=(col(ActionItem.due_on), col(ActionItem.id)), params=params
    )
    return _action_reads(session, principal, rows), cursor


def overdue_by_department(session: Session, principal: Principal) -> list[OverdueCount]:
    grouped = (
        sa.select(
            col(ActionItem.department_id), sa.func.count(), sa.func.min(col(ActionItem.due_on))
        )
        .where(_still_to_do(), col(ActionItem.due_on) < clock.today())
        .group_by(col(ActionItem.department_id))
    )
    rows = session.execute(policy.scope_actions(grouped, principal)).all()
    return sorted(
        (
            OverdueCount(department_id=dep, overdue=int(count), oldest_due_on=oldest)
            for dep, count, oldest in rows
        ),
        key=lambda r: (-r.overdue, r.oldest_due_on, r.department_id),
    )


# --- calendar --------------------------------------------------------------------------

KIND_LABELS = {
    DebriefKind.hot: "Hot debrief",
    DebriefKind.cold: "Debrief",
    DebriefKind.open_forum: "Open forum",
    DebriefKind.huddle: "Safety huddle",
}


def calendar_for(session: Session, principal: Principal) -> bytes:
    """The caller's upcoming debriefs (as facilitator or participant) as iCalendar.

    Hospital calendars are widely shared, so an entry says only the kind of session, the
    department, the place and a link: never the title or anything about the event.
    Cancelled sessions stay in the feed as CANCELLED, so a calendar that imported them
    updates.
    """
    now = clock.now()
    invited = select(DebriefParticipant.debrief_id).where(
        col(DebriefParticipant.user_id) == principal.id
    )
    rows = session.exec(
        select(Debrief)
        .where(
            sa.or_(col(Debrief.facilitator_id) == principal.id, col(Debrief.id).in_(invited)),
            col(Debrief.status).in_([DebriefStatus.scheduled.value, DebriefStatus.cancelled.value]),
            col(Debrief.scheduled_at) >= now - timedelta(hours=8),
        )
        .order_by(col(Debrief.scheduled_at), col(Debrief.id))
        .limit(MAX_CALENDAR_EVENTS)
    ).all()
    names = org_service.department_names(session, list({r.department_id for r in rows}))
    base = get_settings().public_url.rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", "-//Haven//Debriefs//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Haven debriefs")
    for debrief in rows:
        url = f"{base}{_link(debrief.id)}"
        event = Event()
        event.add("uid", f"{debrief.id}@haven")
        event.add("dtstamp", now)
        event.add("dtstart", debrief.scheduled_at)
        event.add("dtend", debrief.scheduled_at + timedelta(minutes=debrief.duration_minutes))
        department = names.get(debrief.department_id, "")
        label = KIND_LABELS[DebriefKind(debrief.kind)]
        event.add("summary", f"{label}: {department}" if department else label)
        if debrief.location:
            event.add("location", debrief.location)
        event.add("description", f"Details and the ground rules are in Haven: {url}")
        event.add("url", url)
        event.add("sequence", debrief.version)
        cancelled = debrief.status == DebriefStatus.cancelled.value
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


# --- figures for insights --------------------------------------------------------------


class _MondayOf(FunctionElement[date]):
    """The Monday of the week of a date or UTC timestamp, computed by the database."""

    type = sa.Date()
    inherit_cache = True
    name = "monday_of"


@compiles(_MondayOf, "sqlite")
def _monday_sqlite(element: _MondayOf, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    # 'weekday 0' moves forward to a Sunday (or stays on one); six days back is its Monday.
    return f"date({compiler.process(arg, **kw)}, 'weekday 0', '-6 days')"


@compiles(_MondayOf, "postgresql")
def _monday_postgresql(element: _MondayOf, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    inner = compiler.process(arg, **kw)
    if isinstance(arg.type, sa.Date):
        value = f"CAST({inner} AS TIMESTAMP)"
    else:
        value = f"({inner} AT TIME ZONE 'UTC')"
    return f"CAST(date_trunc('week', {value}) AS DATE)"


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def weekly_figures(session: Session, *, start: date, end: date) -> list[DebriefWeekFigures]:
    """Per department and week (Monday start, UTC days), for days in ``[start, end)``.

    Counted in SQL with GROUP BY. Debriefs held by the day held; items opened by the day
    created (with their strength mix); items done by the day first completed (still done or
    since verified); overdue items are those still open or in progress whose due date falls
    in the week, before ``end``. A (department, week) with nothing to count is left out.
    No principal: insights applies its own access rules and small-number suppression.
    """
    if end <= start:
        return []
    lo, hi = _utc_start(start), _utc_start(end)
    figures: dict[tuple[uuid.UUID, date], dict[str, int]] = {}

    def add(rows: Iterable[Any], *names: str) -> None:
        for department_id, week, *counts in rows:
            week_start = week if isinstance(week, date) else date.fromisoformat(str(week))
            cell = figures.setdefault((department_id, week_start), {})
            for name, count in zip(names, counts, strict=True):
                cell[name] = int(count or 0)

    held_week = _MondayOf(col(Debrief.held_at))
    add(
        session.execute(
            sa.select(col(Debrief.department_id), held_week, sa.func.count())
            .where(
                col(Debrief.held_at) >= lo,
                col(Debrief.held_at) < hi,
                col(Debrief.status).in_(
                    [s.value for s in (DebriefStatus.held, DebriefStatus.summarized)]
                    + [DebriefStatus.closed.value]
                ),
            )
            .group_by(col(Debrief.department_id), held_week)
        ).all(),
        "debriefs_held",
    )

    def strength_count(strength: ActionStrength) -> Any:
        return sa.func.sum(sa.case((col(ActionItem.strength) == strength.value, 1), else_=0))

    opened_week = _MondayOf(col(ActionItem.created_at))
    add(
        session.execute(
            sa.select(
                col(ActionItem.department_id),
                opened_week,
                sa.func.count(),
                strength_count(ActionStrength.stronger),
                strength_count(ActionStrength.intermediate),
                strength_count(ActionStrength.weaker),
            )
            .where(col(ActionItem.created_at) >= lo, col(ActionItem.created_at) < hi)
            .group_by(col(ActionItem.department_id), opened_week)
        ).all(),
        "action_items_opened",
        "stronger",
        "intermediate",
        "weaker",
    )
    done_week = _MondayOf(col(ActionItem.done_at))
    add(
        session.execute(
            sa.select(col(ActionItem.department_id), done_week, sa.func.count())
            .where(
                col(ActionItem.done_at) >= lo,
                col(ActionItem.done_at) < hi,
                col(ActionItem.status).in_([ActionStatus.done.value, ActionStatus.verified.value]),
            )
            .group_by(col(ActionItem.department_id), done_week)
        ).all(),
        "action_items_done",
    )
    due_week = _MondayOf(col(ActionItem.due_on))
    add(
        session.execute(
            sa.select(col(ActionItem.department_id), due_week, sa.func.count())
            .where(_still_to_do(), col(ActionItem.due_on) >= start, col(ActionItem.due_on) < end)
            .group_by(col(ActionItem.department_id), due_week)
        ).all(),
        "action_items_overdue",
    )
    return [
        DebriefWeekFigures(
            department_id=department_id,
            week_start=week_start,
            debriefs_held=cell.get("debriefs_held", 0),
            action_items_opened=cell.get("action_items_opened", 0),
            action_items_done=cell.get("action_items_done", 0),
            action_items_overdue=cell.get("action_items_overdue", 0),
            stronger=cell.get("stronger", 0),
            intermediate=cell.get("intermediate", 0),
            weaker=cell.get("weaker", 0),
        )
        for (department_id, week_start), cell in sorted(
            figures.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
        )
    ]
