"""A support request as each viewer sees it, and the wall in front of it.

:func:`load_request` finds a request and the caller's view of it (:func:`policy.view_for`),
or answers 404 to anyone outside the wall. Each view has its own response model, built here
from only what that viewer may see: the requester's and the supporter's open the sealed
contact details and preferred times; the coordinator's is made without them and has no
field to put them in (see :mod:`haven.support.schemas`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, overload

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import Profession, UserRead
from haven.core import clock
from haven.core.errors import Conflict, NotFound
from haven.core.pagination import PageParams, paginate
from haven.core.scoping import S
from haven.core.security import Principal
from haven.support import notes, policy, sealing
from haven.support.auditing import audit_request
from haven.support.models import SupportRequest
from haven.support.schemas import (
    ContactChannel,
    CoordinatorRequestRead,
    EscalationResource,
    RequesterRequestRead,
    RequestKind,
    RequestStatus,
    RequestView,
    SupporterRequestRead,
    SupportRequestRead,
    Urgency,
)

People = dict[uuid.UUID, UserRead]


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


def names_of(session: Session, requests: Sequence[SupportRequest]) -> People:
    ids: set[uuid.UUID] = set()
    for r in requests:
        if r.supporter_id:
            ids.add(r.supporter_id)
        if r.requester_id:
            ids.add(r.requester_id)
    return auth_service.users_by_id(session, ids)


def _shared_fields(
    request: SupportRequest, view: RequestView, people: People, now: datetime
) -> dict[str, Any]:
    """The fields every view has (``schemas.requests._RequestReadBase``)."""
    supporter = people.get(request.supporter_id) if request.supporter_id else None
    return {
        "view": view,
        "id": request.id,
        "kind": RequestKind(request.kind),
        "status": RequestStatus(request.status),
        "urgency": Urgency(request.urgency),
        "tier": request.tier,
        "department_id": request.department_id,
        "contact_channel": ContactChannel(request.contact_channel)
        if request.contact_channel
        else None,
        "preferred_profession": Profession(request.preferred_profession)
        if request.preferred_profession
        else None,
        "preferred_language": request.preferred_language,
        "not_own_department": request.not_own_department,
        "created_at": request.created_at,
        "due_at": request.due_at,
        "is_overdue": policy.is_overdue(request, now),
        "assigned_at": request.assigned_at,
        "first_contact_at": request.first_contact_at,
        "active_at": request.active_at,
        "closed_at": request.closed_at,
        "escalated_at": request.escalated_at,
        "escalated_resource": EscalationResource(request.escalated_resource)
        if request.escalated_resource
        else None,
        "safety_exception_at": request.safety_exception_at,
        "supporter_name": supporter.display_name if supporter else None,
        "allowed_transitions": policy.allowed_transitions(RequestStatus(request.status), view),
        "version": request.version,
    }


def as_requester(request: SupportRequest, people: People, now: datetime) -> RequesterRequestRead:
    contact_details, preferred_times = _request_texts(request)
    return RequesterRequestRead(
        **_shared_fields(request, RequestView.requester, people, now),
        contact_details=contact_details,
        preferred_times=preferred_times,
        can_give_feedback=request.status == RequestStatus.closed
        and not request.feedback_given
        and request.purged_at is None,
    )


def as_supporter(request: SupportRequest, people: People, now: datetime) -> SupporterRequestRead:
    requester = people.get(request.requester_id) if request.requester_id else None
    contact_details, preferred_times = _request_texts(request)
    return SupporterRequestRead(
        **_shared_fields(request, RequestView.supporter, people, now),
        supporter_id=request.supporter_id,
        requester_name=requester.display_name if requester else None,
        requester_profession=Profession(request.profession) if request.profession else None,
        contact_details=contact_details,
        preferred_times=preferred_times,
    )


def as_coordinator(
    request: SupportRequest, people: People, now: datetime
) -> CoordinatorRequestRead:
    return CoordinatorRequestRead(
        **_shared_fields(request, RequestView.coordinator, people, now),
        supporter_id=request.supporter_id,
        audit_ref=notes.audit_ref(request.id),
    )


_SHAPES: dict[RequestView, Callable[[SupportRequest, People, datetime], SupportRequestRead]] = {
    RequestView.requester: as_requester,
    RequestView.supporter: as_supporter,
    RequestView.coordinator: as_coordinator,
}


def present(
    session: Session, request: SupportRequest, view: RequestView, now: datetime | None = None
) -> SupportRequestRead:
    """One request in the shape ``view`` may see."""
    return _SHAPES[view](request, names_of(session, [request]), now or clock.now())


def load_request(
    session: Session, principal: Principal, request_id: uuid.UUID
) -> tuple[SupportRequest, RequestView]:
    """The request and the caller's view of it; 404 for anyone outside the wall."""
    request = session.get(SupportRequest, request_id)
    view = policy.view_for(principal, request) if request is not None else None
    if request is None or view is None:
        raise NotFound("No such support request.")
    return request, view


def require_open(request: SupportRequest) -> None:
    if request.status == RequestStatus.closed:
        raise Conflict("The request is closed.")


def get_request(
    session: Session, principal: Principal, *, request_id: uuid.UUID
) -> SupportRequestRead:
    request, view = load_request(session, principal, request_id)
    if view is not RequestView.requester:
        audit_request(session, principal, "support_request.read", request)
    return present(session, request, view)


@dataclass(frozen=True)
class RequestFilters:
    status: RequestStatus | None = None
    urgency: Urgency | None = None
    overdue: bool | None = None
    include_closed: bool = False


def _filtered(stmt: S, filters: RequestFilters, now: datetime) -> S:
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


@overload
def list_requests(
    session: Session,
    principal: Principal,
    *,
    view: Literal[RequestView.requester],
    filters: RequestFilters,
    params: PageParams,
) -> tuple[list[RequesterRequestRead], str | None]: ...


@overload
def list_requests(
    session: Session,
    principal: Principal,
    *,
    view: Literal[RequestView.supporter],
    filters: RequestFilters,
    params: PageParams,
) -> tuple[list[SupporterRequestRead], str | None]: ...


@overload
def list_requests(
    session: Session,
    principal: Principal,
    *,
    view: Literal[RequestView.coordinator],
    filters: RequestFilters,
    params: PageParams,
) -> tuple[list[CoordinatorRequestRead], str | None]: ...


def list_requests(
    session: Session,
    principal: Principal,
    *,
    view: RequestView,
    filters: RequestFilters,
    params: PageParams,
) -> tuple[Sequence[SupportRequestRead], str | None]:
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
            audit_request(session, principal, "support_request.listed", row)
    if view is not RequestView.coordinator:
        sealing.load_keys(session, [r.id for r in rows])
    people = names_of(session, rows)
    shape = _SHAPES[view]
    return [shape(r, people, now) for r in rows], cursor
