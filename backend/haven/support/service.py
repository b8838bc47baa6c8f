"""Peer-support rules: resources, the roster, requests and matching, encounters and notes,
follow-ups, feedback, proactive outreach, program figures, and the periodic jobs.

Every read or change of a support record by a supporter or the coordinator writes an
audit row naming that actor and the record's audit pseudonym (:func:`notes.audit_ref`);
the requester's own actions are recorded without their identity. Functions never commit.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from haven.auth import service as auth_service
from haven.auth.schemas import Profession, Role, UserRead
from haven.core import audit, clock
from haven.core.errors import Conflict, Forbidden, NotFound, Unprocessable, field_error
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.settings import SupportSettings, get_settings
from haven.core.versioning import require_if_match
from haven.notifications import service as notifications
from haven.org import service as org_service
from haven.support import figures, notes, policy, sealing
from haven.support.models import (
    RESOURCES_ID,
    OutreachKey,
    OutreachTask,
    SupportEncounter,
    Supporter,
    SupportFeedback,
    SupportFollowUp,
    SupportRequest,
    SupportResources,
)
from haven.support.schemas import (
    OPEN_STATUSES,
    AssignmentRequest,
    AvailabilityRead,
    AvailabilityUpdate,
    CandidateRead,
    CandidatesRead,
    ContactChannel,
    DueFollowUpRead,
    EncounterChannel,
    EncounterCreate,
    EncounterOutcome,
    EncounterRead,
    EscalationCreate,
    EscalationResource,
    ExcludedSupporterRead,
    ExclusionReason,
    FollowUpCreate,
    FollowUpRead,
    FollowUpStatus,
    FollowUpUpdate,
    OnCallWindowRead,
    OutreachAccept,
    OutreachStatus,
    OutreachTaskRead,
    ProgramMetrics,
    RequestKind,
    RequestStatus,
    RequestView,
    ResourceKind,
    ResourceRead,
    ResourcesRead,
    ResourcesUpdate,
    SupportConfigRead,
    SupporterCreate,
    SupporterRead,
    SupporterUpdate,
    SupportFeedbackCreate,
    SupportFeedbackSummary,
    SupportRelease,
    SupportRequestCreate,
    SupportRequestCreated,
    SupportRequestRead,
    SupportTransition,
    SupportWeekFigures,
    TierCount,
    Urgency,
    UrgencyMetrics,
)

WHO_SEES_IT = (
    "Only you, the peer supporter assigned to you and (for status and timing, never what is "
    "said) the support coordinator. Managers, investigators and the safety team never see it."
)
# Encounters may be logged a little ahead of the server's clock (phones drift).
CLOCK_LEEWAY = timedelta(minutes=5)
JOB_BATCH = 200

# Notification titles carry no content (see haven.notifications).
TITLE_ASSIGNED = "You have a new support request"
TITLE_REASSIGNED = "A support request was reassigned"
TITLE_OVERDUE = "A support request is past its response target"
TITLE_WAITING = "A support request is waiting for a supporter"
TITLE_SAFETY = "Urgent: a peer supporter needs you now"
TITLE_FOLLOW_UP = "You have a follow-up due"
TITLE_OUTREACH = "You have a new outreach task"
INBOX_LINK = "/support/inbox"
BOARD_LINK = "/support/board"
OUTREACH_LINK = "/support/outreach"


@dataclass(frozen=True)
class _UnnamedRequester(Principal):
    """How the audit log records a requester's (or referrer's) own actions: not by name."""

    def audit_identity(self) -> tuple[str, uuid.UUID | None]:
        return "support_requester", None


_REQUESTER = _UnnamedRequester(kind="user", id=uuid.UUID(int=0))


def _settings() -> SupportSettings:
    return get_settings().support


def _targets() -> dict[Urgency, int]:
    s = _settings()
    return {
        Urgency.urgent: s.target_urgent_minutes,
        Urgency.soon: s.target_soon_minutes,
        Urgency.routine: s.target_routine_minutes,
    }


def _zone(session: Session) -> zoneinfo.ZoneInfo:
    name = org_service.get_organisation(session).time_zone
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _audit(
    session: Session, actor: Principal | None, action: str, record_id: uuid.UUID, kind: str
) -> None:
    audit.record_event(
        session, actor, action=action, object_type=kind, object_id=notes.audit_ref(record_id)
    )


def _audit_request(
    session: Session, actor: Principal | None, action: str, request: SupportRequest
) -> None:
    _audit(session, actor, action, request.id, "support_request")


def _coordinator_ids(session: Session) -> list[uuid.UUID]:
    return auth_service.user_ids_with_role(session, Role.support_coordinator)


def _notify_coordinators(session: Session, kind: str, title: str, link: str) -> None:
    notifications.notify(
        session, user_ids=_coordinator_ids(session), kind=kind, title=title, link=link
    )


def _serialise_on_sqlite(session: Session) -> None:
    """Periodic jobs: take SQLite's write lock before reading, so two processes running
    the same job run one after the other on fresh data (PostgreSQL claims rows with
    ``FOR UPDATE SKIP LOCKED`` instead)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(
            sa.update(SupportResources).where(sa.false()).values(version=SupportResources.version)
        )


# --- resources and settings --------------------------------------------------------------


def _resource_reads(items: Iterable[dict[str, object]]) -> list[ResourceRead]:
    return [ResourceRead.model_validate(item) for item in items]


def get_resources(session: Session) -> ResourcesRead:
    row = session.get(SupportResources, RESOURCES_ID)
    if row is None:
        return ResourcesRead(items=[], version=0)
    return ResourcesRead(items=_resource_reads(row.items), version=row.version)


def set_resources(
    session: Session, actor: Principal, *, data: ResourcesUpdate, if_match: str | None
) -> ResourcesRead:
    row = session.get(SupportResources, RESOURCES_ID)
    require_if_match(if_match, row.version if row is not None else 0)
    items = [item.model_dump(mode="json") for item in data.items]
    if row is None:
        row = SupportResources(id=RESOURCES_ID, items=items, updated_at=clock.now())
    else:
        row.items = items
        row.updated_at = clock.now()
    session.add(row)
    session.flush()
    audit.record_event(
        session,
        actor,
        action="support_resources.updated",
        object_type="support_resources",
        object_id=None,
    )
    return ResourcesRead(items=_resource_reads(row.items), version=row.version)


def _crisis_resources(session: Session) -> list[ResourceRead]:
    urgent_kinds = {
        ResourceKind.crisis_line,
        ResourceKind.emergency,
        ResourceKind.employee_assistance,
    }
    return [r for r in get_resources(session).items if r.kind in urgent_kinds]


def support_config() -> SupportConfigRead:
    s = _settings()
    return SupportConfigRead(
        target_minutes=_targets(),
        private_notes_enabled=s.private_notes,
        follow_up_days=list(s.follow_up_days),
        retention_days=s.retention_days,
    )


# --- the roster --------------------------------------------------------------------------


def _caseloads(
    session: Session, user_ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, int]:
    stmt = (
        sa.select(col(SupportRequest.supporter_id), sa.func.count())
        .where(
            col(SupportRequest.supporter_id).is_not(None),
            col(SupportRequest.status).in_([s.value for s in OPEN_STATUSES]),
        )
        .group_by(col(SupportRequest.supporter_id))
    )
    if user_ids is not None:
        stmt = stmt.where(col(SupportRequest.supporter_id).in_(list(user_ids)))
    return {row[0]: int(row[1]) for row in session.execute(stmt).all()}


def _windows_read(row: Supporter) -> list[OnCallWindowRead]:
    return [OnCallWindowRead.model_validate(w) for w in row.on_call]


def _supporter_read(row: Supporter, user: UserRead | None, caseload: int) -> SupporterRead:
    return SupporterRead(
        id=row.id,
        user_id=row.user_id,
        display_name=user.display_name if user else "",
        department_id=user.department_id if user else None,
        training_completed_on=row.training_completed_on,
        training_expires_on=row.training_expires_on,
        professions=[Profession(p) for p in row.professions],
        languages=list(row.languages),
        capacity=row.capacity,
        is_active=row.is_active,
        is_paused=row.is_paused,
        on_call=_windows_read(row),
        open_caseload=caseload,
        version=row.version,
    )


def _one_supporter_read(session: Session, row: Supporter) -> SupporterRead:
    user = auth_service.users_by_id(session, [row.user_id]).get(row.user_id)
    return _supporter_read(row, user, _caseloads(session, [row.user_id]).get(row.user_id, 0))


def list_supporters(
    session: Session, *, params: PageParams
) -> tuple[list[SupporterRead], str | None]:
    rows, cursor = paginate(
        session,
        select(Supporter),
        keys=[col(Supporter.created_at), col(Supporter.id)],
        params=params,
    )
    users = auth_service.users_by_id(session, [r.user_id for r in rows])
    loads = _caseloads(session, [r.user_id for r in rows])
    return [_supporter_read(r, users.get(r.user_id), loads.get(r.user_id, 0)) for r in rows], cursor


def _check_training(completed: date | None, expires: date | None) -> None:
    if completed is not None and expires is not None and expires < completed:
        raise Unprocessable(
            "Training cannot expire before it was completed.",
            errors=[field_error("training_expires_on", "On or after the completion date.")],
        )


def create_supporter(session: Session, actor: Principal, *, data: SupporterCreate) -> SupporterRead:
    field = "user_id" if data.user_id is not None else "email"
    user_id = data.user_id or auth_service.active_user_id_by_email(session, str(data.email))
    user = auth_service.users_by_id(session, [user_id]).get(user_id) if user_id else None
    if user is None or not user.is_active:
        raise Unprocessable(
            "No active person is known by this.",
            errors=[field_error(field, "Not an active person.")],
        )
    if Role.peer_supporter not in user.roles:
        raise Unprocessable(
            "Give this person the peer supporter role first (an administrator does that).",
            errors=[field_error(field, "Needs the peer_supporter role.")],
        )
    if auth_service.conflicting_role_pairs(user.roles):
        # Only in accounts older than the separation of roles; never matched either.
        raise Unprocessable(
            "This person also holds a role that may not sit with peer support; an "
            "administrator must remove one first.",
            errors=[field_error(field, "Holds a role that may not support people.")],
        )
    existing = session.exec(select(Supporter.id).where(col(Supporter.user_id) == user.id)).first()
    if existing is not None:
        raise Conflict(
            "This person is already on the roster.", errors=[field_error(field, "Already listed.")]
        )
    _check_training(data.training_completed_on, data.training_expires_on)
    now = clock.now()
    row = Supporter(
        user_id=user.id,
        training_completed_on=data.training_completed_on,
        training_expires_on=data.training_expires_on,
        professions=[p.value for p in data.professions] or [user.profession.value],
        languages=list(dict.fromkeys(data.languages)),
        capacity=data.capacity,
        is_active=data.is_active,
        on_call=[w.model_dump() for w in data.on_call],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record_event(
        session, actor, action="supporter.created", object_type="supporter", object_id=row.id
    )
    return _supporter_read(row, user, 0)


def get_supporter(session: Session, *, supporter_id: uuid.UUID) -> SupporterRead:
    row = session.get(Supporter, supporter_id)
    if row is None:
        raise NotFound("No such supporter.")
    return _one_supporter_read(session, row)


def update_supporter(
    session: Session,
    actor: Principal,
    *,
    supporter_id: uuid.UUID,
    data: SupporterUpdate,
    if_match: str | None,
) -> SupporterRead:
    row = session.get(Supporter, supporter_id)
    if row is None:
        raise NotFound("No such supporter.")
    require_if_match(if_match, row.version)
    changes = data.model_dump(exclude_unset=True)
    nulled = [
        name
        for name in ("professions", "languages", "capacity", "is_active", "is_paused", "on_call")
        if name in changes and changes[name] is None
    ]
    if nulled:
        raise Unprocessable(
            "Some fields cannot be cleared.",
            errors=[field_error(name, "Cannot be null.") for name in nulled],
        )
    completed = changes.get("training_completed_on", row.training_completed_on)
    expires = changes.get("training_expires_on", row.training_expires_on)
    _check_training(completed, expires)
    if "training_completed_on" in changes:
        row.training_completed_on = data.training_completed_on
    if "training_expires_on" in changes:
        row.training_expires_on = data.training_expires_on
    if data.professions is not None:
        row.professions = [p.value for p in data.professions]
    if data.languages is not None:
        row.languages = list(dict.fromkeys(data.languages))
    if data.capacity is not None:
        row.capacity = data.capacity
    if data.is_active is not None:
        row.is_active = data.is_active
    if data.is_paused is not None:
        row.is_paused = data.is_paused
    if data.on_call is not None:
        row.on_call = [w.model_dump() for w in data.on_call]
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    audit.record_event(
        session, actor, action="supporter.updated", object_type="supporter", object_id=row.id
    )
    return _one_supporter_read(session, row)


def _my_roster_entry(session: Session, principal: Principal) -> Supporter:
    row = session.exec(select(Supporter).where(col(Supporter.user_id) == principal.id)).first()
    if row is None:
        raise NotFound("You are not on the peer-support roster yet; ask the support coordinator.")
    return row


def _availability(session: Session, row: Supporter) -> AvailabilityRead:
    zone = _zone(session)
    windows = [policy.Window.parse(w) for w in row.on_call]
    return AvailabilityRead(
        supporter_id=row.id,
        on_call=_windows_read(row),
        is_paused=row.is_paused,
        is_on_call_now=policy.on_call_at(windows, clock.now().astimezone(zone)),
        time_zone=zone.key,
        version=row.version,
    )


def get_my_availability(session: Session, principal: Principal) -> AvailabilityRead:
    return _availability(session, _my_roster_entry(session, principal))


def set_my_availability(
    session: Session, principal: Principal, *, data: AvailabilityUpdate, if_match: str | None
) -> AvailabilityRead:
    row = _my_roster_entry(session, principal)
    require_if_match(if_match, row.version)
    row.on_call = [w.model_dump() for w in data.on_call]
    row.is_paused = data.is_paused
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    audit.record_event(
        session,
        principal,
        action="supporter.availability_set",
        object_type="supporter",
        object_id=row.id,
    )
    return _availability(session, row)


# --- matching ----------------------------------------------------------------------------


_FACT_COLUMNS = (
    col(Supporter.id),
    col(Supporter.user_id),
    col(Supporter.professions),
    col(Supporter.languages),
    col(Supporter.capacity),
    col(Supporter.is_active),
    col(Supporter.is_paused),
    col(Supporter.training_completed_on),
    col(Supporter.training_expires_on),
    col(Supporter.on_call),
)


def _supporter_facts(session: Session) -> list[policy.SupporterFacts]:
    """The whole roster as matching needs it: plain columns, three queries, no ORM objects
    (loading 500 supporters as ORM rows and UserRead models cost ~40x more; see bench/)."""
    rows = session.execute(sa.select(*_FACT_COLUMNS)).all()
    people = auth_service.user_summaries(session, [r.user_id for r in rows])
    loads = _caseloads(session)
    facts = []
    for row in rows:
        person = people.get(row.user_id)
        usable = (
            row.is_active
            and person is not None
            and person.is_active
            and Role.peer_supporter.value in person.roles
        )
        leads = person is not None and Role.department_lead.value in person.roles
        facts.append(
            policy.SupporterFacts(
                supporter_id=row.id,
                user_id=row.user_id,
                display_name=person.display_name if person else "",
                department_id=person.department_id if person else None,
                professions=tuple(row.professions),
                languages=tuple(row.languages),
                capacity=row.capacity,
                open_caseload=loads.get(row.user_id, 0),
                is_active=usable,
                is_paused=row.is_paused,
                training_completed_on=row.training_completed_on,
                training_expires_on=row.training_expires_on,
                windows=tuple(policy.Window.parse(w) for w in row.on_call),
                led_department_id=person.department_id if person and leads else None,
                has_conflicting_roles=bool(
                    person and auth_service.conflicting_role_pairs(person.roles)
                ),
                is_coordinator=bool(person and Role.support_coordinator.value in person.roles),
            )
        )
    return facts


def _request_facts(request: SupportRequest) -> policy.RequestFacts:
    return policy.RequestFacts(
        requester_id=request.requester_id,
        department_id=request.department_id,
        not_own_department=request.not_own_department,
        preferred_profession=request.preferred_profession,
        preferred_language=request.preferred_language,
        involved_ids=frozenset(uuid.UUID(i) for i in request.excluded_user_ids),
        passed_over_ids=frozenset(uuid.UUID(i) for i in request.passed_over_ids),
    )


def _match(
    session: Session,
    request: SupportRequest,
    *,
    also_passed_over: uuid.UUID | None = None,
    assigner_id: uuid.UUID | None = None,
) -> policy.MatchResult:
    facts = dataclasses.replace(_request_facts(request), assigner_id=assigner_id)
    if also_passed_over is not None:
        facts = dataclasses.replace(
            facts, passed_over_ids=facts.passed_over_ids | {also_passed_over}
        )
    local = clock.now().astimezone(_zone(session))
    return policy.match_supporters(
        facts, _supporter_facts(session), local_now=local, today=local.date()
    )


def _give_to(session: Session, request: SupportRequest, user_id: uuid.UUID) -> None:
    """Assign (or reassign) and tell the supporter: the title says nothing of the request."""
    now = clock.now()
    previous = request.supporter_id
    request.supporter_id = user_id
    request.assigned_at = now
    request.waiting_flagged_at = None
    if request.status == RequestStatus.new:
        request.status = RequestStatus.assigned.value
    if request.first_contact_at is None:
        target = policy.target_for(Urgency(request.urgency), _targets())
        request.offer_expires_at = request.due_at if request.due_at > now else now + target
    session.add(request)
    notifications.notify(
        session, user_ids=[user_id], kind="support.assigned", title=TITLE_ASSIGNED, link=INBOX_LINK
    )
    if previous is not None and previous != user_id:
        notifications.notify(
            session,
            user_ids=[previous],
            kind="support.reassigned",
            title=TITLE_REASSIGNED,
            link=INBOX_LINK,
        )


def _auto_assign(
    session: Session, request: SupportRequest, *, assigner_id: uuid.UUID | None = None
) -> bool:
    best = _match(session, request, assigner_id=assigner_id).best
    if best is None:
        return False
    _give_to(session, request, best.supporter.user_id)
    return True


def _flag_waiting(session: Session, request: SupportRequest) -> None:
    if request.waiting_flagged_at is None:
        request.waiting_flagged_at = clock.now()
        session.add(request)
        _notify_coordinators(session, "support.waiting", TITLE_WAITING, BOARD_LINK)


# --- requests ----------------------------------------------------------------------------


def _seal_request_texts(
    session: Session,
    request: SupportRequest,
    contact_details: str | None,
    preferred_times: str | None,
) -> None:
    """Free text is stored sealed under the request's own key (see :mod:`sealing`)."""
    sealed = sealing.seal_texts(
        session,
        record_id=request.id,
        texts={
            sealing.SealedField.contact_details: contact_details,
            sealing.SealedField.preferred_times: preferred_times,
        },
    )
    request.contact_details_sealed = sealed[sealing.SealedField.contact_details]
    request.preferred_times_sealed = sealed[sealing.SealedField.preferred_times]


def _request_texts(request: SupportRequest) -> tuple[str | None, str | None]:
    """The request's contact details and preferred times, opened (None once purged)."""
    session = sa.orm.object_session(request)
    if session is None:
        return None, None
    return (
        sealing.open_or_none(
            session,
            record_id=request.id,
            field=sealing.SealedField.contact_details,
            sealed=request.contact_details_sealed,
        ),
        sealing.open_or_none(
            session,
            record_id=request.id,
            field=sealing.SealedField.preferred_times,
            sealed=request.preferred_times_sealed,
        ),
    )


def _new_request(
    session: Session,
    *,
    requester: UserRead,
    kind: RequestKind,
    urgency: Urgency,
    tier: int = 2,
    referrer_id: uuid.UUID | None = None,
    contact_channel: ContactChannel | None = None,
    contact_details: str | None = None,
    preferred_times: str | None = None,
    preferred_profession: Profession | None = None,
    preferred_language: str | None = None,
    not_own_department: bool = False,
    excluded_user_ids: Iterable[uuid.UUID] = (),
) -> SupportRequest:
    now = clock.now()
    week_start = policy.monday_of(now.astimezone(_zone(session)).date())
    earlier = session.exec(
        select(SupportRequest.id).where(
            col(SupportRequest.requester_id) == requester.id,
            col(SupportRequest.week_start) == week_start,
            col(SupportRequest.department_id) == requester.department_id
            if requester.department_id is not None
            else col(SupportRequest.department_id).is_(None),
        )
    ).first()
    request = SupportRequest(
        kind=kind.value,
        status=RequestStatus.new.value,
        urgency=urgency.value,
        tier=tier,
        requester_id=requester.id,
        referrer_id=referrer_id,
        contact_channel=contact_channel.value if contact_channel else None,
        preferred_profession=preferred_profession.value if preferred_profession else None,
        preferred_language=preferred_language,
        not_own_department=not_own_department,
        excluded_user_ids=[str(i) for i in dict.fromkeys(excluded_user_ids)],
        passed_over_ids=[],
        department_id=requester.department_id,
        profession=requester.profession.value,
        week_start=week_start,
        first_in_week=earlier is None,
        created_at=now,
        due_at=now + policy.target_for(urgency, _targets()),
    )
    _seal_request_texts(session, request, contact_details, preferred_times)
    session.add(request)
    session.flush()
    if not _auto_assign(session, request):
        _flag_waiting(session, request)
    session.flush()
    return request


def create_request(
    session: Session, principal: Principal, *, data: SupportRequestCreate
) -> SupportRequestCreated:
    """For oneself, or a referral of a colleague (who is then contacted, not ordered)."""
    referrer_id = None
    requester_id = principal.id
    if data.kind == RequestKind.referral:
        assert data.referred_email is not None
        found = auth_service.active_user_id_by_email(session, str(data.referred_email))
        if found is None:
            raise Unprocessable(
                "No active colleague has this email.",
                errors=[field_error("referred_email", "Not an active colleague's email.")],
            )
        if found == principal.id:
            raise Unprocessable(
                "To ask for yourself, choose 'for me'.",
                errors=[field_error("referred_email", "That is your own email.")],
            )
        referrer_id, requester_id = principal.id, found
    requester = auth_service.get_user(session, requester_id)
    request = _new_request(
        session,
        requester=requester,
        kind=data.kind,
        urgency=data.urgency,
        tier=data.tier,
        referrer_id=referrer_id,
        contact_channel=data.contact_channel,
        contact_details=data.contact_details,
        preferred_times=data.preferred_times,
        preferred_profession=data.preferred_profession,
        preferred_language=data.preferred_language,
        not_own_department=data.not_own_department,
    )
    _audit_request(session, _REQUESTER, "support_request.created", request)
    return SupportRequestCreated(
        id=request.id if data.kind == RequestKind.for_self else None,
        kind=data.kind,
        status=RequestStatus(request.status),
        urgency=data.urgency,
        due_at=request.due_at,
        who_sees_it=WHO_SEES_IT,
        crisis_resources=_crisis_resources(session) if data.urgency == Urgency.urgent else [],
    )


def request_support_on_consent(session: Session, principal: Principal) -> None:
    """A check-in answer "please reach out", given with explicit consent: a routine,
    for-self, tier-2 request for the signed-in person (none if one is already open)."""
    if principal.kind != "user":
        raise Forbidden("Only a person can ask for support.")
    already = session.exec(
        select(SupportRequest.id).where(
            col(SupportRequest.requester_id) == principal.id,
            col(SupportRequest.status).in_([s.value for s in OPEN_STATUSES]),
        )
    ).first()
    if already is not None:
        return
    requester = auth_service.get_user(session, principal.id)
    request = _new_request(
        session, requester=requester, kind=RequestKind.for_self, urgency=Urgency.routine
    )
    _audit_request(session, _REQUESTER, "support_request.created", request)


def _names(session: Session, requests: Sequence[SupportRequest]) -> dict[uuid.UUID, UserRead]:
    ids: set[uuid.UUID] = set()
    for r in requests:
        if r.supporter_id:
            ids.add(r.supporter_id)
        if r.requester_id:
            ids.add(r.requester_id)
    return auth_service.users_by_id(session, ids)


def _read(
    request: SupportRequest,
    view: RequestView,
    people: dict[uuid.UUID, UserRead],
    now: datetime,
) -> SupportRequestRead:
    supporter = people.get(request.supporter_id) if request.supporter_id else None
    requester = people.get(request.requester_id) if request.requester_id else None
    as_supporter = view is RequestView.supporter
    as_requester = view is RequestView.requester
    personal = as_supporter or as_requester
    contact_details, preferred_times = _request_texts(request) if personal else (None, None)
    return SupportRequestRead(
        view=view,
        id=request.id,
        kind=RequestKind(request.kind),
        status=RequestStatus(request.status),
        urgency=Urgency(request.urgency),
        tier=request.tier,
        department_id=request.department_id,
        contact_channel=ContactChannel(request.contact_channel)
        if request.contact_channel
        else None,
        preferred_profession=Profession(request.preferred_profession)
        if request.preferred_profession
        else None,
        preferred_language=request.preferred_language,
        not_own_department=request.not_own_department,
        created_at=request.created_at,
        due_at=request.due_at,
        is_overdue=policy.is_overdue(request, now),
        assigned_at=request.assigned_at,
        first_contact_at=request.first_contact_at,
        active_at=request.active_at,
        closed_at=request.closed_at,
        escalated_at=request.escalated_at,
        escalated_resource=EscalationResource(request.escalated_resource)
        if request.escalated_resource
        else None,
        safety_exception_at=request.safety_exception_at,
        supporter_id=request.supporter_id if not as_requester else None,
        supporter_name=supporter.display_name if supporter else None,
        requester_name=requester.display_name if requester and as_supporter else None,
        requester_profession=Profession(request.profession)
        if as_supporter and request.profession
        else None,
        contact_details=contact_details,
        preferred_times=preferred_times,
        can_give_feedback=as_requester
        and request.status == RequestStatus.closed
        and not request.feedback_given
        and request.purged_at is None,
        allowed_transitions=policy.allowed_transitions(RequestStatus(request.status), view),
        audit_ref=notes.audit_ref(request.id) if view is RequestView.coordinator else None,
        version=request.version,
    )


def _load(
    session: Session, principal: Principal, request_id: uuid.UUID
) -> tuple[SupportRequest, RequestView]:
    """The request and the caller's view of it; 404 for anyone outside the wall."""
    request = session.get(SupportRequest, request_id)
    view = policy.view_for(principal, request) if request is not None else None
    if request is None or view is None:
        raise NotFound("No such support request.")
    return request, view


def _audit_access(
    session: Session, principal: Principal, view: RequestView, action: str, request: SupportRequest
) -> None:
    """Supporters and coordinators are audited by name; the requester is not named."""
    actor = _REQUESTER if view is RequestView.requester else principal
    _audit_request(session, actor, action, request)


def get_request(
    session: Session, principal: Principal, *, request_id: uuid.UUID
) -> SupportRequestRead:
    request, view = _load(session, principal, request_id)
    if view is not RequestView.requester:
        _audit_request(session, principal, "support_request.read", request)
    return _read(request, view, _names(session, [request]), clock.now())


@dataclass(frozen=True)
class RequestFilters:
    status: RequestStatus | None = None
    urgency: Urgency | None = None
    overdue: bool | None = None
    include_closed: bool = False


def _filtered(stmt: policy.S, filters: RequestFilters, now: datetime) -> policy.S:
    if filters.status is not None:
        stmt = stmt.where(col(SupportRequest.status) == filters.status.value)
    elif not filters.include_closed:
        stmt = stmt.where(col(SupportRequest.status) != RequestStatus.closed.value)
    if filters.urgency is not None:
        stmt = stmt.where(col(SupportRequest.urgency) == filters.urgency.value)
    if filters.overdue is not None:
        overdue = sa.and_(
            col(SupportRequest.status).in_([RequestStatus.new.value, RequestStatus.assigned.value]),
            col(SupportRequest.first_contact_at).is_(None),
            col(SupportRequest.due_at) < now,
        )
        stmt = stmt.where(overdue if filters.overdue else sa.not_(overdue))
    return stmt


def list_requests(
    session: Session,
    principal: Principal,
    *,
    view: RequestView,
    filters: RequestFilters,
    params: PageParams,
) -> tuple[list[SupportRequestRead], str | None]:
    """One of the three lists: mine (requester), assigned (supporter), the board (coordinator)."""
    now = clock.now()
    stmt = policy.scope_requests(_filtered(select(SupportRequest), filters, now), principal, view)
    if view is RequestView.coordinator:
        keys = [col(SupportRequest.due_at), col(SupportRequest.id)]
        rows, cursor = paginate(session, stmt, keys=keys, params=params)
    else:
        keys = [col(SupportRequest.created_at), col(SupportRequest.id)]
        rows, cursor = paginate(session, stmt, keys=keys, params=params, descending=True)
    if view is not RequestView.requester:
        for row in rows:
            _audit_request(session, principal, "support_request.listed", row)
    if view is not RequestView.coordinator:
        sealing.load_keys(session, [r.id for r in rows])
    people = _names(session, rows)
    return [_read(r, view, people, now) for r in rows], cursor


def _minutes_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 60, 2)


def _record_first_contact(request: SupportRequest, at: datetime) -> None:
    if request.first_contact_at is None:
        at = min(max(at, request.created_at), clock.now())
        request.first_contact_at = at
        request.minutes_to_first_contact = _minutes_between(request.created_at, at)
        request.offer_expires_at = None


def transition_request(
    session: Session,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: SupportTransition,
    if_match: str | None,
) -> SupportRequestRead:
    request, view = _load(session, principal, request_id)
    require_if_match(if_match, request.version)
    current = RequestStatus(request.status)
    allowed = policy.allowed_transitions(current, view)
    if data.to not in allowed:
        names = ", ".join(s.value for s in allowed) or "none"
        raise Conflict(
            f"A {current.value} request cannot move to {data.to.value} here (allowed: {names}).",
            errors=[field_error("to", "Not allowed from the current status.")],
        )
    now = clock.now()
    if data.to in (RequestStatus.contacted, RequestStatus.active):
        _record_first_contact(request, now)
    if data.to == RequestStatus.active and request.active_at is None:
        request.active_at = now
    if data.to == RequestStatus.closed:
        request.closed_at = now
        request.offer_expires_at = None
        session.execute(
            sa.update(SupportFollowUp)
            .where(
                col(SupportFollowUp.request_id) == request.id,
                col(SupportFollowUp.status) == FollowUpStatus.scheduled.value,
            )
            .values(status=FollowUpStatus.cancelled.value, version=SupportFollowUp.version + 1)
            .execution_options(synchronize_session=False)
        )
    request.status = data.to.value
    session.add(request)
    session.flush()
    _audit_access(session, principal, view, f"support_request.status.{data.to.value}", request)
    return _read(request, view, _names(session, [request]), now)


def _require_open(request: SupportRequest) -> None:
    if request.status == RequestStatus.closed:
        raise Conflict("The request is closed.")


def assign_request(
    session: Session,
    actor: Principal,
    *,
    request_id: uuid.UUID,
    data: AssignmentRequest,
    if_match: str | None,
) -> SupportRequestRead:
    """The coordinator assigns by hand (or asks matching to choose). Soft rules (capacity,
    on call, paused, already offered, also a coordinator) may be overridden by hand; the
    others may not, even when the supporter also fails a soft one (the hard one is reported)."""
    request, view = _load(session, actor, request_id)
    if not policy.is_coordinator(actor):
        raise Forbidden("Only the support coordinator assigns requests.")
    require_if_match(if_match, request.version)
    _require_open(request)
    if data.supporter_id is None:
        if not _auto_assign(session, request, assigner_id=actor.id):
            raise Conflict("No supporter is eligible right now; assign one by hand.")
    else:
        match = _match(session, request, assigner_id=actor.id)
        chosen = next(
            (c.supporter for c in match.eligible if c.supporter.supporter_id == data.supporter_id),
            None,
        )
        if chosen is None:
            exclusion = next(
                (e for e in match.excluded if e.supporter.supporter_id == data.supporter_id), None
            )
            if exclusion is None:
                raise Unprocessable(
                    "No such supporter on the roster.",
                    errors=[field_error("supporter_id", "Not on the roster.")],
                )
            # Any hard rule refuses, whatever soft rule the supporter also fails (the reason
            # reported is then a hard one: policy.exclusion_reasons puts them first).
            if not exclusion.overridable:
                reason = _REFUSALS.get(exclusion.reason, f"Excluded: {exclusion.reason.value}.")
                raise Unprocessable(
                    "This supporter cannot take this request.",
                    errors=[field_error("supporter_id", reason)],
                )
            chosen = exclusion.supporter
        _give_to(session, request, chosen.user_id)
    session.flush()
    _audit_request(session, actor, "support_request.assigned", request)
    return _read(request, view, _names(session, [request]), clock.now())


# The hard rules, said plainly: never overridden by hand (the soft ones, which may be, are
# policy.SOFT_REASONS).
_REFUSALS = {
    ExclusionReason.is_requester: "They are the person this request is for.",
    ExclusionReason.is_assigner: "You cannot assign a request to yourself.",
    ExclusionReason.leads_department: "They lead the requester's department.",
    ExclusionReason.conflicting_roles: "They hold a role that may not support people.",
    ExclusionReason.inactive: "They are not an active peer supporter.",
    ExclusionReason.not_trained: "They have not completed peer-supporter training.",
    ExclusionReason.training_expired: "Their peer-supporter training has expired.",
    ExclusionReason.involved_in_event: "They were involved in the event.",
    ExclusionReason.same_department: "The requester asked for someone outside their department.",
}


def candidates(session: Session, actor: Principal, *, request_id: uuid.UUID) -> CandidatesRead:
    request, _ = _load(session, actor, request_id)
    if not policy.is_coordinator(actor):
        raise Forbidden("Only the support coordinator sees candidates.")
    match = _match(session, request, assigner_id=actor.id)
    _audit_request(session, actor, "support_request.candidates_read", request)
    return CandidatesRead(
        eligible=[
            CandidateRead(
                supporter_id=c.supporter.supporter_id,
                user_id=c.supporter.user_id,
                display_name=c.supporter.display_name,
                department_id=c.supporter.department_id,
                professions=[Profession(p) for p in c.supporter.professions],
                languages=list(c.supporter.languages),
                open_caseload=c.supporter.open_caseload,
                capacity=c.supporter.capacity,
                preference_fit=c.preference_fit,
            )
            for c in match.eligible
        ],
        excluded=[
            ExcludedSupporterRead(
                supporter_id=e.supporter.supporter_id,
                user_id=e.supporter.user_id,
                display_name=e.supporter.display_name,
                reason=e.reason,
            )
            for e in match.excluded
        ],
    )


def _escalate(request: SupportRequest, resource: EscalationResource, at: datetime) -> None:
    request.tier = 3
    request.status = RequestStatus.escalated.value
    request.escalated_resource = resource.value
    request.escalated_at = at


def escalate_request(
    session: Session,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: EscalationCreate,
    if_match: str | None,
) -> SupportRequestRead:
    """Tier 3: an expedited referral to professional help (which resource, when)."""
    request, view = _load(session, principal, request_id)
    if view is RequestView.requester:
        raise Forbidden("Your supporter or the coordinator arranges professional help.")
    require_if_match(if_match, request.version)
    _require_open(request)
    now = clock.now()
    at = data.escalated_at or now
    if at > now + CLOCK_LEEWAY or at < request.created_at - timedelta(days=1):
        raise Unprocessable(
            "The referral time must be between the request's creation and now.",
            errors=[field_error("escalated_at", "Between the request's creation and now.")],
        )
    _escalate(request, data.resource, at)
    session.add(request)
    session.flush()
    _audit_request(session, principal, "support_request.escalated", request)
    return _read(request, view, _names(session, [request]), now)


# --- encounters --------------------------------------------------------------------------


def _encounter_read(
    session: Session, row: SupportEncounter, principal: Principal, *, with_note: bool = True
) -> EncounterRead:
    """``with_note=False`` for the answer to logging one: that answer may be kept for a day
    as an idempotent replay, and the note must never be stored unsealed."""
    note = None
    mine = row.supporter_id is not None and row.supporter_id == principal.id
    if mine and with_note:
        note = sealing.open_or_none(
            session,
            record_id=row.id,
            field=sealing.SealedField.private_note,
            sealed=row.note_sealed,
            author_id=principal.id,
        )
    return EncounterRead(
        id=row.id,
        occurred_at=row.occurred_at,
        minutes=row.minutes,
        channel=EncounterChannel(row.channel),
        tier=row.tier,
        outcome=EncounterOutcome(row.outcome),
        safety_exception=row.safety_exception,
        private_note=note,
        note_expires_at=row.note_expires_at if mine and row.note_sealed is not None else None,
        created_at=row.created_at,
    )


def _raise_safety_exception(session: Session, request: SupportRequest, now: datetime) -> None:
    """Risk to self or others: escalate at once, to the coordinators and the configured
    emergency pathway, with the time (and nothing of what was said)."""
    request.safety_exception_at = now
    _escalate(request, EscalationResource.emergency_pathway, now)
    notifications.notify(
        session,
        user_ids=_coordinator_ids(session),
        kind="support.safety_exception",
        title=TITLE_SAFETY,
        link=BOARD_LINK,
    )
    pathway = _settings().emergency_email
    if pathway:
        notifications.queue_email(
            session,
            to_address=pathway,
            subject="Haven: urgent safety concern raised by a peer supporter",
            body=(
                "A peer supporter raised a safety concern (risk to self or others) at "
                f"{now.isoformat(timespec='minutes')} UTC.\n\nContact the support coordinator "
                "on call now. No details are sent by email.\n"
            ),
        )


def _schedule_follow_ups(session: Session, request: SupportRequest, start: date) -> None:
    pending = session.exec(
        select(SupportFollowUp.id).where(
            col(SupportFollowUp.request_id) == request.id,
            col(SupportFollowUp.status) == FollowUpStatus.scheduled.value,
        )
    ).first()
    if pending is not None:
        return
    now = clock.now()
    for days in sorted(set(_settings().follow_up_days)):
        session.add(
            SupportFollowUp(
                request_id=request.id, due_on=start + timedelta(days=days), created_at=now
            )
        )


def log_encounter(
    session: Session, principal: Principal, *, request_id: uuid.UUID, data: EncounterCreate
) -> EncounterRead:
    request, view = _load(session, principal, request_id)
    if view is not RequestView.supporter:
        raise Forbidden("Only the assigned supporter logs encounters.")
    _require_open(request)
    now = clock.now()
    occurred = data.occurred_at
    if occurred.tzinfo is None:
        raise Unprocessable(
            "Give the time with its offset.",
            errors=[field_error("occurred_at", "Needs a time zone.")],
        )
    if occurred > now + CLOCK_LEEWAY or occurred < request.created_at - timedelta(days=1):
        raise Unprocessable(
            "The encounter's time must be between the request's creation and now.",
            errors=[field_error("occurred_at", "Between the request's creation and now.")],
        )
    settings = _settings()
    if data.private_note and not settings.private_notes:
        raise Unprocessable(
            "Private notes are off in this organisation.",
            errors=[field_error("private_note", "Not enabled here; leave it empty.")],
        )
    encounter_id = uuid.uuid4()
    sealed = sealing.seal_texts(
        session,
        record_id=encounter_id,
        texts={sealing.SealedField.private_note: data.private_note},
        author_id=principal.id,
    )[sealing.SealedField.private_note]
    row = SupportEncounter(
        id=encounter_id,
        request_id=request.id,
        supporter_id=principal.id,
        occurred_at=occurred,
        minutes=data.minutes,
        channel=data.channel.value,
        tier=data.tier,
        outcome=data.outcome.value,
        safety_exception=data.safety_exception,
        note_sealed=sealed,
        note_expires_at=now + timedelta(days=settings.note_days) if sealed else None,
        created_at=now,
    )
    session.add(row)
    _record_first_contact(request, occurred)
    if request.status in (RequestStatus.assigned, RequestStatus.contacted):
        request.status = RequestStatus.active.value
    if request.active_at is None:
        request.active_at = now
    if data.safety_exception:
        _raise_safety_exception(session, request, now)
    if data.outcome == EncounterOutcome.follow_up:
        _schedule_follow_ups(session, request, occurred.astimezone(_zone(session)).date())
    session.add(request)
    session.flush()
    _audit_request(session, principal, "support_request.encounter_logged", request)
    return _encounter_read(session, row, principal, with_note=False)


def list_encounters(
    session: Session, principal: Principal, *, request_id: uuid.UUID
) -> list[EncounterRead]:
    request, view = _load(session, principal, request_id)
    if view is not RequestView.requester:
        _audit_request(session, principal, "support_request.encounters_read", request)
    rows = session.exec(
        select(SupportEncounter)
        .where(col(SupportEncounter.request_id) == request.id)
        .order_by(col(SupportEncounter.occurred_at), col(SupportEncounter.id))
    ).all()
    sealing.load_keys(
        session, [r.id for r in rows if r.note_sealed and r.supporter_id == principal.id]
    )
    return [_encounter_read(session, r, principal) for r in rows]


# --- follow-ups --------------------------------------------------------------------------


def _follow_up_read(row: SupportFollowUp, today: date) -> FollowUpRead:
    return FollowUpRead(
        id=row.id,
        request_id=row.request_id,
        due_on=row.due_on,
        status=FollowUpStatus(row.status),
        is_due=row.status == FollowUpStatus.scheduled and row.due_on <= today,
        completed_at=row.completed_at,
        version=row.version,
    )


def _local_today(session: Session) -> date:
    return clock.now().astimezone(_zone(session)).date()


def list_follow_ups(
    session: Session, principal: Principal, *, request_id: uuid.UUID
) -> list[FollowUpRead]:
    request, view = _load(session, principal, request_id)
    if view is not RequestView.requester:
        _audit_request(session, principal, "support_request.follow_ups_read", request)
    rows = session.exec(
        select(SupportFollowUp)
        .where(col(SupportFollowUp.request_id) == request.id)
        .order_by(col(SupportFollowUp.due_on), col(SupportFollowUp.id))
    ).all()
    today = _local_today(session)
    return [_follow_up_read(r, today) for r in rows]


def _require_supporter(view: RequestView) -> None:
    if view is not RequestView.supporter:
        raise Forbidden("Only the assigned supporter schedules follow-ups.")


def _check_due_on(due_on: date, today: date) -> None:
    if due_on < today or due_on > today + timedelta(days=366):
        raise Unprocessable(
            "A follow-up is due between today and a year from now.",
            errors=[field_error("due_on", "Between today and a year from now.")],
        )


def add_follow_up(
    session: Session, principal: Principal, *, request_id: uuid.UUID, data: FollowUpCreate
) -> FollowUpRead:
    request, view = _load(session, principal, request_id)
    _require_supporter(view)
    _require_open(request)
    today = _local_today(session)
    _check_due_on(data.due_on, today)
    row = SupportFollowUp(request_id=request.id, due_on=data.due_on, created_at=clock.now())
    session.add(row)
    session.flush()
    _audit_request(session, principal, "support_request.follow_up_added", request)
    return _follow_up_read(row, today)


def update_follow_up(
    session: Session,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    follow_up_id: uuid.UUID,
    data: FollowUpUpdate,
    if_match: str | None,
) -> FollowUpRead:
    request, view = _load(session, principal, request_id)
    _require_supporter(view)
    row = session.get(SupportFollowUp, follow_up_id)
    if row is None or row.request_id != request.id:
        raise NotFound("No such follow-up.")
    require_if_match(if_match, row.version)
    today = _local_today(session)
    if data.due_on is not None:
        _check_due_on(data.due_on, today)
        row.due_on = data.due_on
        row.surfaced_at = None
    if data.status is not None and data.status.value != row.status:
        if row.status != FollowUpStatus.scheduled:
            raise Conflict("Only a scheduled follow-up can change its status.")
        row.status = data.status.value
        row.completed_at = clock.now() if data.status == FollowUpStatus.done else None
    session.add(row)
    session.flush()
    _audit_request(session, principal, "support_request.follow_up_updated", request)
    return _follow_up_read(row, today)


def due_follow_ups(session: Session, principal: Principal) -> list[DueFollowUpRead]:
    """The supporter's scheduled follow-ups that are due, on requests still assigned to them."""
    today = _local_today(session)
    rows = session.exec(
        select(SupportFollowUp, SupportRequest)
        .join(SupportRequest, col(SupportRequest.id) == col(SupportFollowUp.request_id))
        .where(
            col(SupportRequest.supporter_id) == principal.id,
            col(SupportRequest.status) != RequestStatus.closed.value,
            col(SupportFollowUp.status) == FollowUpStatus.scheduled.value,
            col(SupportFollowUp.due_on) <= today,
        )
        .order_by(col(SupportFollowUp.due_on), col(SupportFollowUp.id))
        .limit(200)
    ).all()
    people = _names(session, [r for _, r in rows])
    out = []
    for follow_up, request in rows:
        _audit_request(session, principal, "support_request.follow_ups_read", request)
        requester = people.get(request.requester_id) if request.requester_id else None
        out.append(
            DueFollowUpRead(
                **_follow_up_read(follow_up, today).model_dump(),
                requester_name=requester.display_name if requester else None,
            )
        )
    return out


# --- feedback ----------------------------------------------------------------------------


def give_feedback(
    session: Session, principal: Principal, *, request_id: uuid.UUID, data: SupportFeedbackCreate
) -> None:
    """Anonymous: the row keeps the answer and the day, not the request or the person, and
    no audit row is written (its time would link the two)."""
    request, view = _load(session, principal, request_id)
    if view is not RequestView.requester:
        raise Forbidden("Only the person supported gives feedback.")
    if request.status != RequestStatus.closed or request.purged_at is not None:
        raise Conflict("Feedback is given once the request is closed.")
    if request.feedback_given:
        raise Conflict("You already gave feedback on this request. Thank you.")
    feedback_id = uuid.uuid4()
    comment = sealing.seal_texts(
        session, record_id=feedback_id, texts={sealing.SealedField.comment: data.comment}
    )[sealing.SealedField.comment]
    session.add(
        SupportFeedback(
            id=feedback_id, helpful=data.helpful, comment_sealed=comment, given_on=clock.today()
        )
    )
    request.feedback_given = True
    session.add(request)
    session.flush()


def _open_comments(session: Session, rows: Sequence[tuple[uuid.UUID, str | None]]) -> list[str]:
    """Feedback comments, opened with their keys (a purged one is simply not there)."""
    sealing.load_keys(session, [feedback_id for feedback_id, _ in rows])
    opened = (
        sealing.open_or_none(
            session, record_id=feedback_id, field=sealing.SealedField.comment, sealed=sealed
        )
        for feedback_id, sealed in rows
    )
    return [c for c in opened if c]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def feedback_summary(session: Session, *, since: date | None = None) -> SupportFeedbackSummary:
    """Aggregates of the anonymous feedback, over whole calendar months that have ended and
    hold at least ``feedback_min_answers`` answers each, from the first month that starts
    on or after ``since``.

    Why months: feedback counts in the month it was given, and a month that has ended gets
    no more; so every figure shown here is a sum of months that never change, and no two
    looks (before and after one more answer, or from two ``since`` days a day apart) differ
    by one person's answer. A month with fewer answers than the minimum is left out of
    every summary, so no range can be narrowed to it by subtraction."""
    minimum = _settings().feedback_min_answers
    this_month = _month_start(clock.today())
    first = None
    if since is not None:
        first = _month_start(since)
        if first < since:
            first = (first + timedelta(days=32)).replace(day=1)
    stmt = (
        sa.select(col(SupportFeedback.given_on), col(SupportFeedback.helpful), sa.func.count())
        .where(col(SupportFeedback.given_on) < this_month)
        .group_by(col(SupportFeedback.given_on), col(SupportFeedback.helpful))
    )
    if first is not None:
        stmt = stmt.where(col(SupportFeedback.given_on) >= first)
    by_month: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for given_on, helpful, n in session.execute(stmt).all():
        by_month[_month_start(given_on)][int(helpful)] += int(n)
    months = sorted(m for m, d in by_month.items() if sum(d.values()) >= minimum)
    distribution: dict[int, int] = defaultdict(int)
    for month in months:
        for helpful, n in by_month[month].items():
            distribution[helpful] += n
    answers = sum(distribution.values())
    if not months:
        return SupportFeedbackSummary(
            answers=None,
            average_helpful=None,
            distribution=None,
            comments=None,
            min_answers=minimum,
            suppressed=True,
            months=[],
        )
    comments_stmt = select(SupportFeedback.id, SupportFeedback.comment_sealed).where(
        col(SupportFeedback.comment_sealed).is_not(None),
        sa.or_(
            *(
                sa.and_(
                    col(SupportFeedback.given_on) >= month,
                    col(SupportFeedback.given_on) < (month + timedelta(days=32)).replace(day=1),
                )
                for month in months
            )
        ),
    )
    comments = _open_comments(session, session.exec(comments_stmt).all())
    random.SystemRandom().shuffle(comments)
    total = sum(h * n for h, n in distribution.items())
    return SupportFeedbackSummary(
        answers=answers,
        average_helpful=round(total / answers, 2),
        distribution={h: distribution.get(h, 0) for h in range(1, 6)},
        comments=comments,
        min_answers=minimum,
        suppressed=False,
        months=months,
    )


# --- proactive outreach ------------------------------------------------------------------


def offer_outreach(
    session: Session,
    actor: Principal,
    *,
    person_ids: Sequence[uuid.UUID],
    involved_ids: Sequence[uuid.UUID],
    event_key: str | None = None,
) -> None:
    """After an event review names the staff involved: one outreach task per person for the
    coordinator ("offer support to this person"), with no event details.

    ``event_key`` is the caller's opaque key for the event (the reports side passes an HMAC
    of the report id): a person already offered outreach for that event gets no second task.
    Without it, a person who already has an open task gets no second one either (its
    involved staff are merged). Returns nothing, so the caller cannot learn what happened.
    """
    people = auth_service.users_by_id(session, person_ids)
    involved = [str(i) for i in dict.fromkeys(involved_ids)]
    today = clock.today()
    now = clock.now()
    created = 0
    for person_id in dict.fromkeys(person_ids):
        person = people.get(person_id)
        if person is None or not person.is_active:
            continue
        fingerprint = notes.outreach_fingerprint(event_key, person_id) if event_key else None
        key = session.get(OutreachKey, fingerprint) if fingerprint else None
        if key is not None and key.expires_on >= today:
            continue
        open_task = session.exec(
            select(OutreachTask).where(
                col(OutreachTask.person_id) == person_id,
                col(OutreachTask.status) == OutreachStatus.open.value,
            )
        ).first()
        if open_task is not None:
            open_task.involved_ids = list(dict.fromkeys([*open_task.involved_ids, *involved]))
            session.add(open_task)
        else:
            task = OutreachTask(
                person_id=person_id,
                department_id=person.department_id,
                involved_ids=involved,
                created_at=now,
            )
            session.add(task)
            session.flush()
            _audit(session, None, "support_outreach.created", task.id, "support_outreach")
            created += 1
        if fingerprint is not None:
            expires = today + timedelta(days=_settings().outreach_key_days)
            if key is None:
                session.add(OutreachKey(fingerprint=fingerprint, expires_on=expires))
            else:
                key.expires_on = expires
                session.add(key)
    session.flush()
    if created:
        _notify_coordinators(session, "support.outreach", TITLE_OUTREACH, OUTREACH_LINK)


def _outreach_read(task: OutreachTask, people: dict[uuid.UUID, UserRead]) -> OutreachTaskRead:
    person = people.get(task.person_id) if task.person_id else None
    return OutreachTaskRead(
        id=task.id,
        person_id=task.person_id,
        person_name=person.display_name if person else None,
        department_id=task.department_id,
        source="event_review",
        status=OutreachStatus(task.status),
        created_at=task.created_at,
        decided_at=task.decided_at,
        version=task.version,
    )


def list_outreach(
    session: Session, actor: Principal, *, status: OutreachStatus | None, params: PageParams
) -> tuple[list[OutreachTaskRead], str | None]:
    stmt = select(OutreachTask)
    if status is not None:
        stmt = stmt.where(col(OutreachTask.status) == status.value)
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(OutreachTask.created_at), col(OutreachTask.id)],
        params=params,
        descending=True,
    )
    for row in rows:
        _audit(session, actor, "support_outreach.listed", row.id, "support_outreach")
    people = auth_service.users_by_id(session, [r.person_id for r in rows if r.person_id])
    return [_outreach_read(r, people) for r in rows], cursor


def _person_of(session: Session, task: OutreachTask) -> UserRead | None:
    if task.person_id is None:
        return None
    return auth_service.users_by_id(session, [task.person_id]).get(task.person_id)


def _open_task(session: Session, task_id: uuid.UUID, if_match: str | None) -> OutreachTask:
    task = session.get(OutreachTask, task_id)
    if task is None:
        raise NotFound("No such outreach task.")
    require_if_match(if_match, task.version)
    if task.status != OutreachStatus.open:
        raise Conflict("This outreach task was already decided.")
    return task


def accept_outreach(
    session: Session,
    actor: Principal,
    *,
    task_id: uuid.UUID,
    data: OutreachAccept,
    if_match: str | None,
) -> SupportRequestRead:
    """Accepting turns the task into a request for that person (who is contacted, not
    ordered), matched without the staff involved in the event."""
    task = _open_task(session, task_id, if_match)
    person = _person_of(session, task)
    if person is None or not person.is_active:
        raise Conflict("This person is no longer active; decline the task instead.")
    request = _new_request(
        session,
        requester=person,
        kind=RequestKind.outreach,
        urgency=data.urgency,
        excluded_user_ids=[uuid.UUID(i) for i in task.involved_ids],
    )
    task.status = OutreachStatus.accepted.value
    task.decided_at = clock.now()
    session.add(task)
    session.flush()
    _audit(session, actor, "support_outreach.accepted", task.id, "support_outreach")
    _audit_request(session, actor, "support_request.created", request)
    return _read(request, RequestView.coordinator, _names(session, [request]), clock.now())


def decline_outreach(
    session: Session, actor: Principal, *, task_id: uuid.UUID, if_match: str | None
) -> OutreachTaskRead:
    task = _open_task(session, task_id, if_match)
    task.status = OutreachStatus.declined.value
    task.decided_at = clock.now()
    session.add(task)
    session.flush()
    _audit(session, actor, "support_outreach.declined", task.id, "support_outreach")
    people = auth_service.users_by_id(session, [task.person_id] if task.person_id else [])
    return _outreach_read(task, people)


# --- program figures ---------------------------------------------------------------------


def _median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 2) if values else None


def program_metrics(session: Session, *, since: date) -> ProgramMetrics:
    """The coordinator's figures: counts are aggregated in SQL; the median time to first
    contact per urgency is taken in Python over that one column (SQLite has no median)."""
    now = clock.now()
    start = datetime.combine(since, datetime.min.time(), tzinfo=now.tzinfo)
    in_period = col(SupportRequest.created_at) >= start
    within = sa.case(
        (col(SupportRequest.first_contact_at) <= col(SupportRequest.due_at), 1), else_=0
    )
    by_urgency_rows = session.execute(
        sa.select(
            col(SupportRequest.urgency),
            sa.func.count(),
            sa.func.count(col(SupportRequest.first_contact_at)),
            sa.func.coalesce(sa.func.sum(within), 0),
        )
        .where(in_period)
        .group_by(col(SupportRequest.urgency))
    ).all()
    counts = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in by_urgency_rows}
    minutes: dict[str, list[float]] = defaultdict(list)
    for urgency, value in session.execute(
        sa.select(col(SupportRequest.urgency), col(SupportRequest.minutes_to_first_contact)).where(
            in_period, col(SupportRequest.minutes_to_first_contact).is_not(None)
        )
    ).all():
        minutes[urgency].append(float(value))
    targets = _targets()
    by_urgency = [
        UrgencyMetrics(
            urgency=u,
            target_minutes=targets[u],
            requests=counts.get(u.value, (0, 0, 0))[0],
            first_contacts=counts.get(u.value, (0, 0, 0))[1],
            within_target=counts.get(u.value, (0, 0, 0))[2],
            median_minutes_to_first_contact=_median(minutes.get(u.value, [])),
        )
        for u in Urgency
    ]
    tiers = dict(
        session.execute(
            sa.select(col(SupportRequest.tier), sa.func.count())
            .where(in_period)
            .group_by(col(SupportRequest.tier))
        ).all()
    )
    open_count = session.execute(
        sa.select(sa.func.count()).where(
            col(SupportRequest.status).in_([s.value for s in OPEN_STATUSES])
        )
    ).scalar_one()
    overdue_count = session.execute(
        sa.select(sa.func.count()).where(
            col(SupportRequest.status).in_([RequestStatus.new.value, RequestStatus.assigned.value]),
            col(SupportRequest.first_contact_at).is_(None),
            col(SupportRequest.due_at) < now,
        )
    ).scalar_one()
    return ProgramMetrics(
        since=since,
        by_urgency=by_urgency,
        by_tier=[TierCount(tier=t, requests=int(tiers.get(t, 0))) for t in (1, 2, 3)],
        open_requests=int(open_count),
        overdue_requests=int(overdue_count),
        feedback=feedback_summary(session, since=since),
    )


def release_figures(session: Session, *, week: date) -> SupportRelease:
    """One week's figures with the facts insights' small-cell rules need (see ``figures``)."""
    return figures.release_figures(
        session, week=week, weekly=weekly_figures(session, start=week, end=week)
    )


def weekly_figures(session: Session, *, start: date, end: date) -> list[SupportWeekFigures]:
    """Support figures per requester department and week, for weeks starting from the Monday
    of ``start`` through ``end``, all computed in SQL: counts by GROUP BY; the median time to
    first contact from the one or two middle rows of each group, picked by window functions
    (``row_number``/``count`` over the group: SQLite has no median aggregate), so only those
    rows leave the database. ``requesters`` counts distinct people through each request's
    ``first_in_week`` bit, which survives the retention purge."""
    connection = session.connection()
    first = policy.monday_of(start)
    within = sa.case(
        (col(SupportRequest.first_contact_at) <= col(SupportRequest.due_at), 1), else_=0
    )
    in_range = sa.and_(
        col(SupportRequest.week_start) >= first, col(SupportRequest.week_start) <= end
    )
    # Department ids as text: parsed once per department, not once per row.
    department = sa.type_coerce(col(SupportRequest.department_id), sa.String)
    week = col(SupportRequest.week_start)
    rows = connection.execute(
        sa.select(
            department,
            week,
            sa.func.count(),
            sa.func.count().filter(col(SupportRequest.first_in_week)),
            sa.func.count(col(SupportRequest.first_contact_at)),
            sa.func.coalesce(sa.func.sum(within), 0),
        )
        .where(in_range)
        .group_by(department, week)
    ).all()
    minutes = col(SupportRequest.minutes_to_first_contact)
    # One window, ordered as the covering index is (week, department, minutes): the rows
    # stream out of the index without a sort; the group's size is the same window over its
    # whole frame. Each group's one or two middle rows are averaged in SQL.
    group = (week, department)
    ranked = (
        sa.select(
            department.label("department"),
            week.label("week"),
            minutes.label("minutes"),
            sa.func.row_number().over(partition_by=group, order_by=minutes).label("rank"),
            sa.func.count()
            .over(partition_by=group, order_by=minutes, rows=(None, None))
            .label("n"),
        )
        .where(in_range, minutes.is_not(None))
        .subquery()
    )
    middle: dict[tuple[object, object], float] = {
        (raw_department, raw_week): float(value)
        for raw_department, raw_week, value in connection.execute(
            sa.select(ranked.c.department, ranked.c.week, sa.func.avg(ranked.c.minutes))
            .where(ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
            .group_by(ranked.c.week, ranked.c.department)
        ).all()
    }
    ids: dict[object, uuid.UUID | None] = {None: None}
    figures = []
    for raw_department, raw_week, n, people, contacts, in_target in rows:
        if raw_department not in ids:
            ids[raw_department] = uuid.UUID(str(raw_department))
        figures.append(
            SupportWeekFigures(
                department_id=ids[raw_department],
                week_start=raw_week,
                requests=int(n),
                requesters=int(people),
                first_contacts=int(contacts),
                median_minutes_to_first_contact=middle.get((raw_department, raw_week)),
                within_target=int(in_target),
            )
        )
    return sorted(figures, key=lambda f: (f.week_start, str(f.department_id)))


# --- periodic jobs (run by haven.jobs, each in its own transaction) ----------------------


_T = TypeVar("_T")


def _claim(stmt: SelectOfScalar[_T]) -> SelectOfScalar[_T]:
    return stmt.with_for_update(skip_locked=True)


def assign_waiting_requests(session: Session) -> int:
    """New requests nobody could take when they came in: try matching again."""
    _serialise_on_sqlite(session)
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(col(SupportRequest.status) == RequestStatus.new.value)
            .order_by(col(SupportRequest.due_at))
            .limit(JOB_BATCH)
        )
    ).all()
    assigned = 0
    for request in rows:
        if _auto_assign(session, request):
            assigned += 1
        else:
            _flag_waiting(session, request)
    session.flush()
    return assigned


def flag_overdue_requests(session: Session) -> int:
    """Past the first-contact target with no contact: flag once on the coordinator's board."""
    _serialise_on_sqlite(session)
    now = clock.now()
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(
                col(SupportRequest.status).in_(
                    [RequestStatus.new.value, RequestStatus.assigned.value]
                ),
                col(SupportRequest.first_contact_at).is_(None),
                col(SupportRequest.due_at) < now,
                col(SupportRequest.overdue_flagged_at).is_(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    for request in rows:
        request.overdue_flagged_at = now
        session.add(request)
    if rows:
        _notify_coordinators(session, "support.overdue", TITLE_OVERDUE, BOARD_LINK)
    session.flush()
    return len(rows)


def reoffer_missed_requests(session: Session) -> int:
    """An assigned supporter who has not made first contact by the offer's deadline is passed
    over, and the request is offered to the next eligible supporter. When there is none the
    assignment stays and the offer is tried again one target-interval later."""
    _serialise_on_sqlite(session)
    now = clock.now()
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(
                col(SupportRequest.status) == RequestStatus.assigned.value,
                col(SupportRequest.first_contact_at).is_(None),
                col(SupportRequest.offer_expires_at) < now,
            )
            .order_by(col(SupportRequest.due_at))
            .limit(JOB_BATCH)
        )
    ).all()
    moved = 0
    for request in rows:
        current = request.supporter_id
        best = _match(session, request, also_passed_over=current).best
        if best is None:
            target = policy.target_for(Urgency(request.urgency), _targets())
            request.offer_expires_at = now + target
            session.add(request)
            continue
        if current is not None:
            request.passed_over_ids = [*request.passed_over_ids, str(current)]
        _give_to(session, request, best.supporter.user_id)
        _audit_request(session, None, "support_request.reoffered", request)
        moved += 1
    session.flush()
    return moved


def surface_due_follow_ups(session: Session) -> int:
    """Tell each supporter once that a follow-up has fallen due."""
    _serialise_on_sqlite(session)
    today = _local_today(session)
    rows = session.exec(
        _claim(
            select(SupportFollowUp)
            .where(
                col(SupportFollowUp.status) == FollowUpStatus.scheduled.value,
                col(SupportFollowUp.due_on) <= today,
                col(SupportFollowUp.surfaced_at).is_(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    if not rows:
        return 0
    requests = {
        r.id: r
        for r in session.exec(
            select(SupportRequest).where(col(SupportRequest.id).in_({f.request_id for f in rows}))
        ).all()
    }
    now = clock.now()
    recipients: set[uuid.UUID] = set()
    surfaced = 0
    for follow_up in rows:
        request = requests.get(follow_up.request_id)
        if (
            request is None
            or request.status == RequestStatus.closed
            or request.supporter_id is None
        ):
            continue
        follow_up.surfaced_at = now
        session.add(follow_up)
        recipients.add(request.supporter_id)
        surfaced += 1
    if recipients:
        notifications.notify(
            session,
            user_ids=sorted(recipients),
            kind="support.follow_up_due",
            title=TITLE_FOLLOW_UP,
            link=INBOX_LINK,
        )
    session.flush()
    return surfaced


def purge_expired_notes(session: Session) -> int:
    """Private notes live ``note_days`` (30 at most): then the note's key is destroyed and
    the sealed text removed (see :mod:`sealing`)."""
    _serialise_on_sqlite(session)
    ids = session.exec(
        _claim(
            select(SupportEncounter.id)
            .where(
                col(SupportEncounter.note_sealed).is_not(None),
                col(SupportEncounter.note_expires_at) <= clock.now(),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    if not ids:
        return 0
    sealing.shred(session, ids)
    session.execute(
        sa.update(SupportEncounter)
        .where(col(SupportEncounter.id).in_(ids))
        .values(note_sealed=None, note_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def purge_closed_requests(session: Session) -> int:
    """Once closed for the retention period, a request keeps only de-identified program data:
    who asked, who referred, who supported, contact details, free text, the involved staff
    and any note are removed (the free text by destroying the request's and its encounters'
    keys, see :mod:`sealing`); outreach tasks decided that long ago lose their person, and
    expired outreach fingerprints go too."""
    _serialise_on_sqlite(session)
    now = clock.now()
    cutoff = now - timedelta(days=_settings().retention_days)
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(
                col(SupportRequest.status) == RequestStatus.closed.value,
                col(SupportRequest.closed_at) <= cutoff,
                col(SupportRequest.purged_at).is_(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    for request in rows:
        request.requester_id = None
        request.referrer_id = None
        request.supporter_id = None
        request.contact_details_sealed = None
        request.preferred_times_sealed = None
        request.preferred_language = None
        request.excluded_user_ids = []
        request.passed_over_ids = []
        request.purged_at = now
        session.add(request)
    if rows:
        ids = [r.id for r in rows]
        encounter_ids = session.exec(
            select(SupportEncounter.id).where(col(SupportEncounter.request_id).in_(ids))
        ).all()
        sealing.shred(session, [*ids, *encounter_ids])
        session.execute(
            sa.update(SupportEncounter)
            .where(col(SupportEncounter.request_id).in_(ids))
            .values(supporter_id=None, note_sealed=None, note_expires_at=None)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        sa.update(OutreachTask)
        .where(
            col(OutreachTask.status) != OutreachStatus.open.value,
            col(OutreachTask.decided_at) <= cutoff,
            col(OutreachTask.purged_at).is_(None),
        )
        .values(person_id=None, involved_ids=[], purged_at=now, version=OutreachTask.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.delete(OutreachKey)
        .where(col(OutreachKey.expires_on) < now.date())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return len(rows)


def purge_old_feedback_comments(session: Session) -> int:
    """A feedback comment is kept for the retention period from the day it was given
    (coordinators read comments only inside aggregates); then its key is destroyed and the
    sealed text removed. The answer (1 to 5) and its day stay, for the figures."""
    _serialise_on_sqlite(session)
    cutoff = (clock.now() - timedelta(days=_settings().retention_days)).date()
    ids = session.exec(
        _claim(
            select(SupportFeedback.id)
            .where(
                col(SupportFeedback.given_on) <= cutoff,
                col(SupportFeedback.comment_sealed).is_not(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    if not ids:
        return 0
    sealing.shred(session, ids)
    session.execute(
        sa.update(SupportFeedback)
        .where(col(SupportFeedback.id).in_(ids))
        .values(comment_sealed=None)
        .execution_options(synchronize_session=False)
    )
    return len(ids)


PERIODIC_JOBS: tuple[tuple[str, Callable[[Session], int]], ...] = (
    ("support_waiting_assigned", assign_waiting_requests),
    ("support_overdue_flagged", flag_overdue_requests),
    ("support_reoffered", reoffer_missed_requests),
    ("support_follow_ups_surfaced", surface_due_follow_ups),
    ("support_notes_purged", purge_expired_notes),
    ("support_requests_purged", purge_closed_requests),
    ("support_feedback_comments_purged", purge_old_feedback_comments),
)
"""The support domain's periodic work, in order; :mod:`haven.jobs` runs each one in its own
transaction. Each claims its rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL."""
