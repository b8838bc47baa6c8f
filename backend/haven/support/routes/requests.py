"""Support requests: asking, the three viewers' lists and reads, status moves, assignment,
escalation and candidates: /support/requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from haven.core.errors import problem_responses
from haven.core.http import IfMatchHeader, SessionDep, set_etag
from haven.core.pagination import Page
from haven.support import service
from haven.support.routes import router
from haven.support.routes.deps import (
    WALL,
    Coordinator,
    Idempotent,
    Paging,
    Person,
    Supporter,
    SupporterOrCoordinator,
)
from haven.support.schemas import (
    AssignmentRequest,
    CandidatesRead,
    CoordinatorRequestRead,
    EscalationCreate,
    RequesterRequestRead,
    RequestStatus,
    RequestView,
    SupporterRequestRead,
    SupportRequestCreate,
    SupportRequestCreated,
    SupportRequestRead,
    SupportTransition,
    Urgency,
)


@router.post(
    "/requests",
    response_model=SupportRequestCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 422),
    summary="Ask for peer support, for yourself or for a colleague",
)
def create_request(
    data: SupportRequestCreate, session: SessionDep, principal: Person
) -> SupportRequestCreated:
    return service.create_request(session, principal, data=data)


@router.get(
    "/requests/mine",
    response_model=Page[RequesterRequestRead],
    summary="The requests made for me, with their status",
)
def list_my_requests(
    session: SessionDep, principal: Person, paging: Paging
) -> Page[RequesterRequestRead]:
    items, cursor = service.list_requests(
        session,
        principal,
        view=RequestView.requester,
        filters=service.RequestFilters(include_closed=True),
        params=paging,
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/requests/assigned",
    response_model=Page[SupporterRequestRead],
    summary="The requests assigned to me (peer supporter)",
)
def list_assigned_requests(
    session: SessionDep, principal: Supporter, paging: Paging, include_closed: bool = False
) -> Page[SupporterRequestRead]:
    items, cursor = service.list_requests(
        session,
        principal,
        view=RequestView.supporter,
        filters=service.RequestFilters(include_closed=include_closed),
        params=paging,
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/requests",
    response_model=Page[CoordinatorRequestRead],
    summary="The coordinator's board: operational fields only, soonest due first",
)
def list_requests(
    session: SessionDep,
    principal: Coordinator,
    paging: Paging,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    urgency: Urgency | None = None,
    overdue: bool | None = None,
    include_closed: bool = False,
) -> Page[CoordinatorRequestRead]:
    items, cursor = service.list_requests(
        session,
        principal,
        view=RequestView.coordinator,
        filters=service.RequestFilters(
            status=status_, urgency=urgency, overdue=overdue, include_closed=include_closed
        ),
        params=paging,
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/requests/{request_id}",
    response_model=SupportRequestRead,
    responses=WALL,
    summary="One request, shaped by who asks (requester, supporter or coordinator)",
)
def read_request(
    request_id: uuid.UUID, session: SessionDep, principal: Person, response: Response
) -> SupportRequestRead:
    request = service.get_request(session, principal, request_id=request_id)
    set_etag(response, request.version)
    return request


@router.post(
    "/requests/{request_id}/transitions",
    response_model=SupportRequestRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Record first contact, ongoing support, or close the request",
)
def transition_request(
    request_id: uuid.UUID,
    data: SupportTransition,
    session: SessionDep,
    principal: Person,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SupportRequestRead:
    request = service.transition_request(
        session, principal, request_id=request_id, data=data, if_match=if_match
    )
    set_etag(response, request.version)
    return request


@router.post(
    "/requests/{request_id}/assignment",
    response_model=SupportRequestRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Assign or reassign a supporter (null: let matching choose)",
)
def assign_request(
    request_id: uuid.UUID,
    data: AssignmentRequest,
    session: SessionDep,
    principal: Coordinator,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SupportRequestRead:
    request = service.assign_request(
        session, principal, request_id=request_id, data=data, if_match=if_match
    )
    set_etag(response, request.version)
    return request


@router.post(
    "/requests/{request_id}/escalation",
    response_model=SupportRequestRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Tier 3: record an expedited referral to professional help",
)
def escalate_request(
    request_id: uuid.UUID,
    data: EscalationCreate,
    session: SessionDep,
    principal: SupporterOrCoordinator,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SupportRequestRead:
    request = service.escalate_request(
        session, principal, request_id=request_id, data=data, if_match=if_match
    )
    set_etag(response, request.version)
    return request


@router.get(
    "/requests/{request_id}/candidates",
    response_model=CandidatesRead,
    responses=WALL,
    summary="Eligible supporters, best first, and why each other one is excluded",
)
def list_candidates(
    request_id: uuid.UUID, session: SessionDep, principal: Coordinator
) -> CandidatesRead:
    return service.candidates(session, principal, request_id=request_id)
