"""Assignment: matching's choice or the coordinator's hand, the offer's deadline, and the
candidates list. Every rule is in :mod:`policy`; the hard ones, which no hand overrides,
are said plainly in ``_REFUSALS``."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from haven.auth.schemas import Profession
from haven.core import clock
from haven.core.errors import Conflict, Forbidden, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.notifications import service as notifications
from haven.support import notices, policy, resources, views
from haven.support.auditing import audit_request
from haven.support.matching import match_request
from haven.support.models import SupportRequest
from haven.support.schemas import (
    AssignmentRequest,
    CandidateRead,
    CandidatesRead,
    ExcludedSupporterRead,
    ExclusionReason,
    RequestStatus,
    SupportRequestRead,
    Urgency,
)


def give_to(session: Session, request: SupportRequest, user_id: uuid.UUID) -> None:
    """Assign (or reassign) and tell the supporter: the title says nothing of the request."""
    now = clock.now()
    previous = request.supporter_id
    request.supporter_id = user_id
    request.assigned_at = now
    request.waiting_flagged_at = None
    if request.status == RequestStatus.new:
        request.status = RequestStatus.assigned.value
    if request.first_contact_at is None:
        target = policy.target_for(Urgency(request.urgency), resources.targets())
        request.offer_expires_at = request.due_at if request.due_at > now else now + target
    session.add(request)
    notifications.notify(
        session,
        user_ids=[user_id],
        kind="support.assigned",
        title=notices.TITLE_ASSIGNED,
        link=notices.INBOX_LINK,
    )
    if previous is not None and previous != user_id:
        notifications.notify(
            session,
            user_ids=[previous],
            kind="support.reassigned",
            title=notices.TITLE_REASSIGNED,
            link=notices.INBOX_LINK,
        )


def auto_assign(
    session: Session, request: SupportRequest, *, assigner_id: uuid.UUID | None = None
) -> bool:
    best = match_request(session, request, assigner_id=assigner_id).best
    if best is None:
        return False
    give_to(session, request, best.supporter.user_id)
    return True


def flag_waiting(session: Session, request: SupportRequest) -> None:
    if request.waiting_flagged_at is None:
        request.waiting_flagged_at = clock.now()
        session.add(request)
        notices.notify_coordinators(
            session, "support.waiting", notices.TITLE_WAITING, notices.BOARD_LINK
        )


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
    request, view = views.load_request(session, actor, request_id)
    if not policy.is_coordinator(actor):
        raise Forbidden("Only the support coordinator assigns requests.")
    require_if_match(if_match, request.version)
    views.require_open(request)
    if data.supporter_id is None:
        if not auto_assign(session, request, assigner_id=actor.id):
            raise Conflict("No supporter is eligible right now; assign one by hand.")
    else:
        match = match_request(session, request, assigner_id=actor.id)
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
        give_to(session, request, chosen.user_id)
    session.flush()
    audit_request(session, actor, "support_request.assigned", request)
    return views.present(session, request, view)


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
    request, _ = views.load_request(session, actor, request_id)
    if not policy.is_coordinator(actor):
        raise Forbidden("Only the support coordinator sees candidates.")
    match = match_request(session, request, assigner_id=actor.id)
    audit_request(session, actor, "support_request.candidates_read", request)
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
