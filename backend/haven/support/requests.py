"""A request's life: asking (for oneself, for a colleague, on a check-in's consent), first
contact, status moves and the tier-3 escalation. Reading a request is in :mod:`views`,
assigning it in :mod:`assignment`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import Profession, UserRead
from haven.core import clock
from haven.core.errors import Conflict, Forbidden, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.core.weeks import monday_of
from haven.support import policy, resources, sealing, views
from haven.support.assignment import auto_assign, flag_waiting
from haven.support.auditing import REQUESTER, audit_access, audit_request
from haven.support.models import SupportFollowUp, SupportRequest
from haven.support.schemas import (
    OPEN_STATUSES,
    ContactChannel,
    EscalationCreate,
    EscalationResource,
    FollowUpStatus,
    RequestKind,
    RequestStatus,
    RequestView,
    SupportRequestCreate,
    SupportRequestCreated,
    SupportRequestRead,
    SupportTransition,
    Urgency,
)

WHO_SEES_IT = (
    "Only you, the peer supporter assigned to you and (for status and timing, never what is "
    "said) the support coordinator. Managers, investigators and the safety team never see it."
)
# Encounters may be logged a little ahead of the server's clock (phones drift).
CLOCK_LEEWAY = timedelta(minutes=5)


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


def new_request(
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
    week_start = monday_of(now.astimezone(resources.zone(session)).date())
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
        due_at=now + policy.target_for(urgency, resources.targets()),
    )
    _seal_request_texts(session, request, contact_details, preferred_times)
    session.add(request)
    session.flush()
    if not auto_assign(session, request):
        flag_waiting(session, request)
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
    request = new_request(
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
    audit_request(session, REQUESTER, "support_request.created", request)
    return SupportRequestCreated(
        id=request.id if data.kind == RequestKind.for_self else None,
        kind=data.kind,
        status=RequestStatus(request.status),
        urgency=data.urgency,
        due_at=request.due_at,
        who_sees_it=WHO_SEES_IT,
        crisis_resources=resources.crisis_resources(session)
        if data.urgency == Urgency.urgent
        else [],
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
    request = new_request(
        session, requester=requester, kind=RequestKind.for_self, urgency=Urgency.routine
    )
    audit_request(session, REQUESTER, "support_request.created", request)


def _minutes_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 60, 2)


def record_first_contact(request: SupportRequest, at: datetime) -> None:
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
    request, view = views.load_request(session, principal, request_id)
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
        record_first_contact(request, now)
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
    audit_access(session, principal, view, f"support_request.status.{data.to.value}", request)
    return views.present(session, request, view, now)


def escalate(request: SupportRequest, resource: EscalationResource, at: datetime) -> None:
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
    request, view = views.load_request(session, principal, request_id)
    if view is RequestView.requester:
        raise Forbidden("Your supporter or the coordinator arranges professional help.")
    require_if_match(if_match, request.version)
    views.require_open(request)
    now = clock.now()
    at = data.escalated_at or now
    if at > now + CLOCK_LEEWAY or at < request.created_at - timedelta(days=1):
        raise Unprocessable(
            "The referral time must be between the request's creation and now.",
            errors=[field_error("escalated_at", "Between the request's creation and now.")],
        )
    escalate(request, data.resource, at)
    session.add(request)
    session.flush()
    audit_request(session, principal, "support_request.escalated", request)
    return views.present(session, request, view, now)
