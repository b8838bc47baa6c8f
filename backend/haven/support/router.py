"""Peer-support endpoints under /api/v1/support: resources, roster, requests, encounters,
follow-ups, feedback, outreach and program figures."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from haven.auth.deps import EVERYONE, STAFF, Allow, Idempotent, Public
from haven.auth.schemas import Role
from haven.core import clock
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, IfMatchHeader, QuietRoutes, SessionDep, set_etag
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal
from haven.support import service
from haven.support.schemas import (
    AssignmentRequest,
    AvailabilityRead,
    AvailabilityUpdate,
    CandidatesRead,
    DueFollowUpRead,
    EncounterCreate,
    EncounterRead,
    EscalationCreate,
    FollowUpCreate,
    FollowUpRead,
    FollowUpUpdate,
    OutreachAccept,
    OutreachStatus,
    OutreachTaskRead,
    ProgramMetrics,
    RequestStatus,
    RequestView,
    ResourcesRead,
    ResourcesUpdate,
    SupportConfigRead,
    SupporterCreate,
    SupporterRead,
    SupporterUpdate,
    SupportFeedbackCreate,
    SupportFeedbackSummary,
    SupportRequestCreate,
    SupportRequestCreated,
    SupportRequestRead,
    SupportTransition,
    Urgency,
)

router = APIRouter(prefix="/support", tags=["support"], route_class=HavenRoute)

# Quiet, all of it (no access-log line, no request id stored; see haven.core.http.QuietRoutes):
# a timed line for a request, an encounter, a follow-up or feedback would say who uses
# support and when, and the roster's and board's lines who runs it. The public crisis
# resources too: who looks them up, and when, is nobody's business. Likewise the web
# client's support pages and its crisis page.
quiet = QuietRoutes(api=("/support",), pages=("/support", "/help"))

Paging = Annotated[PageParams, Depends(page_params)]
Person = Annotated[Principal, Allow(*STAFF)]
SignedIn = Annotated[Principal, Allow(*EVERYONE)]
Supporter = Annotated[Principal, Allow(Role.peer_supporter)]
Coordinator = Annotated[Principal, Allow(Role.support_coordinator)]
SupporterOrCoordinator = Annotated[Principal, Allow(Role.peer_supporter, Role.support_coordinator)]
Admin = Annotated[Principal, Allow(Role.admin)]

_WALL = problem_responses(401, 403, 404)

# --- resources and settings --------------------------------------------------------------


@router.get(
    "/resources",
    response_model=ResourcesRead,
    dependencies=[Public],
    summary="Crisis line and employee-assistance contacts (no sign-in needed)",
)
def read_resources(session: SessionDep, response: Response) -> ResourcesRead:
    resources = service.get_resources(session)
    set_etag(response, resources.version)
    return resources


@router.put(
    "/resources",
    response_model=ResourcesRead,
    responses=problem_responses(401, 403, 412, 422, 428),
    summary="Set the organisation's crisis and help contacts",
)
def set_resources(
    data: ResourcesUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ResourcesRead:
    resources = service.set_resources(session, principal, data=data, if_match=if_match)
    set_etag(response, resources.version)
    return resources


@router.get("/settings", response_model=SupportConfigRead, summary="Response targets and options")
def read_support_settings(_: SignedIn) -> SupportConfigRead:
    return service.support_config()


# --- the roster --------------------------------------------------------------------------


@router.get("/supporters", response_model=Page[SupporterRead], summary="The supporter roster")
def list_supporters(session: SessionDep, _: Coordinator, paging: Paging) -> Page[SupporterRead]:
    items, cursor = service.list_supporters(session, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/supporters",
    response_model=SupporterRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 409, 422),
    summary="Add a trained peer supporter to the roster",
)
def create_supporter(
    data: SupporterCreate, session: SessionDep, principal: Coordinator, response: Response
) -> SupporterRead:
    supporter = service.create_supporter(session, principal, data=data)
    set_etag(response, supporter.version)
    return supporter


@router.get(
    "/supporters/me/availability",
    response_model=AvailabilityRead,
    responses=problem_responses(401, 403, 404),
    summary="My on-call windows and pause switch",
)
def read_my_availability(
    session: SessionDep, principal: Supporter, response: Response
) -> AvailabilityRead:
    availability = service.get_my_availability(session, principal)
    set_etag(response, availability.version)
    return availability


@router.put(
    "/supporters/me/availability",
    response_model=AvailabilityRead,
    responses=problem_responses(401, 403, 404, 412, 422, 428),
    summary="Set my on-call windows and pause switch",
)
def set_my_availability(
    data: AvailabilityUpdate,
    session: SessionDep,
    principal: Supporter,
    response: Response,
    if_match: IfMatchHeader = None,
) -> AvailabilityRead:
    availability = service.set_my_availability(session, principal, data=data, if_match=if_match)
    set_etag(response, availability.version)
    return availability


@router.get(
    "/supporters/{supporter_id}",
    response_model=SupporterRead,
    responses=problem_responses(401, 403, 404),
)
def read_supporter(
    supporter_id: uuid.UUID, session: SessionDep, _: Coordinator, response: Response
) -> SupporterRead:
    supporter = service.get_supporter(session, supporter_id=supporter_id)
    set_etag(response, supporter.version)
    return supporter


@router.patch(
    "/supporters/{supporter_id}",
    response_model=SupporterRead,
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
def update_supporter(
    supporter_id: uuid.UUID,
    data: SupporterUpdate,
    session: SessionDep,
    principal: Coordinator,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SupporterRead:
    supporter = service.update_supporter(
        session, principal, supporter_id=supporter_id, data=data, if_match=if_match
    )
    set_etag(response, supporter.version)
    return supporter


# --- requests ----------------------------------------------------------------------------


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
    response_model=Page[SupportRequestRead],
    summary="The requests made for me, with their status",
)
def list_my_requests(
    session: SessionDep, principal: Person, paging: Paging
) -> Page[SupportRequestRead]:
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
    response_model=Page[SupportRequestRead],
    summary="The requests assigned to me (peer supporter)",
)
def list_assigned_requests(
    session: SessionDep, principal: Supporter, paging: Paging, include_closed: bool = False
) -> Page[SupportRequestRead]:
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
    response_model=Page[SupportRequestRead],
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
) -> Page[SupportRequestRead]:
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
    responses=_WALL,
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
    responses=_WALL,
    summary="Eligible supporters, best first, and why each other one is excluded",
)
def list_candidates(
    request_id: uuid.UUID, session: SessionDep, principal: Coordinator
) -> CandidatesRead:
    return service.candidates(session, principal, request_id=request_id)


# --- encounters and follow-ups -----------------------------------------------------------


@router.get(
    "/requests/{request_id}/encounters",
    response_model=list[EncounterRead],
    responses=_WALL,
    summary="Encounters (the private note only for its author)",
)
def list_encounters(
    request_id: uuid.UUID, session: SessionDep, principal: Person
) -> list[EncounterRead]:
    return service.list_encounters(session, principal, request_id=request_id)


@router.post(
    "/requests/{request_id}/encounters",
    response_model=EncounterRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Log an encounter (assigned supporter)",
)
def log_encounter(
    request_id: uuid.UUID, data: EncounterCreate, session: SessionDep, principal: Supporter
) -> EncounterRead:
    return service.log_encounter(session, principal, request_id=request_id, data=data)


@router.get(
    "/requests/{request_id}/follow-ups",
    response_model=list[FollowUpRead],
    responses=_WALL,
)
def list_follow_ups(
    request_id: uuid.UUID, session: SessionDep, principal: Person
) -> list[FollowUpRead]:
    return service.list_follow_ups(session, principal, request_id=request_id)


@router.post(
    "/requests/{request_id}/follow-ups",
    response_model=FollowUpRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 404, 409, 422),
)
def add_follow_up(
    request_id: uuid.UUID, data: FollowUpCreate, session: SessionDep, principal: Supporter
) -> FollowUpRead:
    return service.add_follow_up(session, principal, request_id=request_id, data=data)


@router.patch(
    "/requests/{request_id}/follow-ups/{follow_up_id}",
    response_model=FollowUpRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Move a follow-up, mark it done or cancel it",
)
def update_follow_up(
    request_id: uuid.UUID,
    follow_up_id: uuid.UUID,
    data: FollowUpUpdate,
    session: SessionDep,
    principal: Supporter,
    response: Response,
    if_match: IfMatchHeader = None,
) -> FollowUpRead:
    follow_up = service.update_follow_up(
        session,
        principal,
        request_id=request_id,
        follow_up_id=follow_up_id,
        data=data,
        if_match=if_match,
    )
    set_etag(response, follow_up.version)
    return follow_up


@router.get(
    "/follow-ups/due",
    response_model=list[DueFollowUpRead],
    summary="My follow-ups that are due (peer supporter)",
)
def list_due_follow_ups(session: SessionDep, principal: Supporter) -> list[DueFollowUpRead]:
    return service.due_follow_ups(session, principal)


# --- feedback ----------------------------------------------------------------------------


@router.post(
    "/requests/{request_id}/feedback",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Anonymous feedback after closing (the person supported, once)",
)
def give_feedback(
    request_id: uuid.UUID, data: SupportFeedbackCreate, session: SessionDep, principal: Person
) -> None:
    service.give_feedback(session, principal, request_id=request_id, data=data)


@router.get(
    "/feedback/summary",
    response_model=SupportFeedbackSummary,
    summary="Feedback aggregates over ended months of at least five answers each",
    description="Whole calendar months that have ended, from the first that starts on or after "
    "`since`; a month with fewer answers than the minimum is in no summary.",
)
def read_feedback_summary(
    session: SessionDep, _: Coordinator, since: date | None = None
) -> SupportFeedbackSummary:
    return service.feedback_summary(session, since=since)


@router.get(
    "/metrics",
    response_model=ProgramMetrics,
    summary="Time to first contact against target, requests by tier, feedback",
)
def read_metrics(
    session: SessionDep,
    _: Coordinator,
    since: Annotated[date | None, Query(description="Default: 90 days ago.")] = None,
) -> ProgramMetrics:
    return service.program_metrics(session, since=since or clock.today() - timedelta(days=90))


# --- outreach ----------------------------------------------------------------------------


@router.get(
    "/outreach",
    response_model=Page[OutreachTaskRead],
    summary="Outreach tasks from event reviews (no event details)",
)
def list_outreach(
    session: SessionDep,
    principal: Coordinator,
    paging: Paging,
    status_: Annotated[OutreachStatus | None, Query(alias="status")] = OutreachStatus.open,
) -> Page[OutreachTaskRead]:
    items, cursor = service.list_outreach(session, principal, status=status_, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/outreach/{task_id}/accept",
    response_model=SupportRequestRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Offer support: the task becomes a request for that person",
)
def accept_outreach(
    task_id: uuid.UUID,
    data: OutreachAccept,
    session: SessionDep,
    principal: Coordinator,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SupportRequestRead:
    request = service.accept_outreach(
        session, principal, task_id=task_id, data=data, if_match=if_match
    )
    set_etag(response, request.version)
    return request


@router.post(
    "/outreach/{task_id}/decline",
    response_model=OutreachTaskRead,
    responses=problem_responses(401, 403, 404, 409, 412, 428),
)
def decline_outreach(
    task_id: uuid.UUID,
    session: SessionDep,
    principal: Coordinator,
    if_match: IfMatchHeader = None,
) -> OutreachTaskRead:
    return service.decline_outreach(session, principal, task_id=task_id, if_match=if_match)
