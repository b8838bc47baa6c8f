"""Follow-ups: scheduled after an encounter that asks for one (``follow_up_days``) or by the
supporter, shown to the supporter when due (the job in :mod:`jobs` tells them once)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.errors import Conflict, Forbidden, NotFound, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.support import resources, views
from haven.support.auditing import audit_request
from haven.support.models import SupportFollowUp, SupportRequest
from haven.support.schemas import (
    DueFollowUpRead,
    FollowUpCreate,
    FollowUpRead,
    FollowUpStatus,
    FollowUpUpdate,
    RequestStatus,
    RequestView,
)


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


def schedule_follow_ups(session: Session, request: SupportRequest, start: date) -> None:
    pending = session.exec(
        select(SupportFollowUp.id).where(
            col(SupportFollowUp.request_id) == request.id,
            col(SupportFollowUp.status) == FollowUpStatus.scheduled.value,
        )
    ).first()
    if pending is not None:
        return
    now = clock.now()
    for days in sorted(set(resources.settings().follow_up_days)):
        session.add(
            SupportFollowUp(
                request_id=request.id, due_on=start + timedelta(days=days), created_at=now
            )
        )


def list_follow_ups(
    session: Session, principal: Principal, *, request_id: uuid.UUID
) -> list[FollowUpRead]:
    request, view = views.load_request(session, principal, request_id)
    if view is not RequestView.requester:
        audit_request(session, principal, "support_request.follow_ups_read", request)
    rows = session.exec(
        select(SupportFollowUp)
        .where(col(SupportFollowUp.request_id) == request.id)
        .order_by(col(SupportFollowUp.due_on), col(SupportFollowUp.id))
    ).all()
    today = resources.local_today(session)
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
    request, view = views.load_request(session, principal, request_id)
    _require_supporter(view)
    views.require_open(request)
    today = resources.local_today(session)
    _check_due_on(data.due_on, today)
    row = SupportFollowUp(request_id=request.id, due_on=data.due_on, created_at=clock.now())
    session.add(row)
    session.flush()
    audit_request(session, principal, "support_request.follow_up_added", request)
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
    request, view = views.load_request(session, principal, request_id)
    _require_supporter(view)
    row = session.get(SupportFollowUp, follow_up_id)
    if row is None or row.request_id != request.id:
        raise NotFound("No such follow-up.")
    require_if_match(if_match, row.version)
    today = resources.local_today(session)
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
    audit_request(session, principal, "support_request.follow_up_updated", request)
    return _follow_up_read(row, today)


def due_follow_ups(session: Session, principal: Principal) -> list[DueFollowUpRead]:
    """The supporter's scheduled follow-ups that are due, on requests still assigned to them."""
    today = resources.local_today(session)
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
    people = views.names_of(session, [r for _, r in rows])
    out = []
    for follow_up, request in rows:
        audit_request(session, principal, "support_request.follow_ups_read", request)
        requester = people.get(request.requester_id) if request.requester_id else None
        out.append(
            DueFollowUpRead(
                **_follow_up_read(follow_up, today).model_dump(),
                requester_name=requester.display_name if requester else None,
            )
        )
    return out
