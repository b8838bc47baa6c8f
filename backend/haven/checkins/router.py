"""Check-in and staffing endpoints."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from haven.auth.deps import STAFF, Allow, Idempotent
from haven.auth.schemas import Role, Scope
from haven.checkins import service
from haven.checkins.schemas import (
    CheckinReceipt,
    CheckinSubmit,
    CurrentCheckin,
    ShiftBatch,
    ShiftBatchResult,
    ShiftRead,
    ShiftWrite,
    TemplateCreate,
    TemplateRead,
    TemplateUpdate,
)
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, IfMatchHeader, QuietRoutes, SessionDep, set_etag
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal

router = APIRouter(route_class=HavenRoute)

# Quiet (no access-log line, no request id stored; see haven.core.http.QuietRoutes): the
# answering surface. A timed line for an answer would sit beside the answer's period and the
# separate "who has answered" record, and could pair them. Templates and staffing (admins,
# leads and API keys at work) are logged as usual.
quiet = QuietRoutes(api=("/checkins/current", "/checkins/responses"), pages=("/checkin",))

Paging = Annotated[PageParams, Depends(page_params)]
Person = Annotated[Principal, Allow(*STAFF)]
Admin = Annotated[Principal, Allow(Role.admin)]
StaffingWriter = Annotated[Principal, Allow(Role.department_lead, scopes=[Scope.staffing_write])]
StaffingReader = Annotated[
    Principal,
    Allow(
        Role.department_lead,
        Role.safety_officer,
        Role.support_coordinator,
        Role.admin,
        scopes=[Scope.staffing_write],
    ),
]


# --- check-ins ---------------------------------------------------------------------------


@router.get(
    "/checkins/current",
    response_model=CurrentCheckin,
    tags=["checkins"],
    responses=problem_responses(404),
    summary="This period's check-in and whether I have answered it",
)
def read_current_checkin(session: SessionDep, principal: Person) -> CurrentCheckin:
    return service.current_checkin(session, principal)


@router.post(
    "/checkins/responses",
    response_model=CheckinReceipt,
    status_code=status.HTTP_201_CREATED,
    tags=["checkins"],
    responses=problem_responses(404, 409, 422),
    summary="Answer this period's check-in (once per period)",
    description="Your answer is received: it waits, unstored, until at least k answers of "
    "your department and period (k = the smallest group insights show) can be stored "
    "together, with no link to you; answers still short of k when the period ends are "
    "stored together across departments, or not at all if they are fewer than k. "
    "No Idempotency-Key: a second answer in the same period is refused with 409.",
)
def submit_checkin(data: CheckinSubmit, session: SessionDep, principal: Person) -> CheckinReceipt:
    return service.submit_response(session, principal, data=data)


@router.get("/checkins/templates", response_model=Page[TemplateRead], tags=["checkins"])
def list_templates(session: SessionDep, _: Admin, paging: Paging) -> Page[TemplateRead]:
    items, cursor = service.list_templates(session, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/checkins/templates",
    response_model=TemplateRead,
    status_code=status.HTTP_201_CREATED,
    tags=["checkins"],
    dependencies=[Idempotent],
    responses=problem_responses(422),
)
def create_template(
    data: TemplateCreate, session: SessionDep, principal: Admin, response: Response
) -> TemplateRead:
    template = service.create_template(session, principal, data=data)
    set_etag(response, template.version)
    response.headers["Location"] = f"/api/v1/checkins/templates/{template.id}"
    return template


@router.get(
    "/checkins/templates/{template_id}",
    response_model=TemplateRead,
    tags=["checkins"],
    responses=problem_responses(404),
)
def read_template(
    template_id: uuid.UUID, session: SessionDep, _: Admin, response: Response
) -> TemplateRead:
    template = service.get_template(session, template_id=template_id)
    set_etag(response, template.version)
    return template


@router.patch(
    "/checkins/templates/{template_id}",
    response_model=TemplateRead,
    tags=["checkins"],
    responses=problem_responses(404, 412, 422, 428),
)
def update_template(
    template_id: uuid.UUID,
    data: TemplateUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TemplateRead:
    template = service.update_template(
        session, principal, template_id=template_id, data=data, if_match=if_match
    )
    set_etag(response, template.version)
    return template


# --- staffing ----------------------------------------------------------------------------


@router.post(
    "/staffing/shifts",
    response_model=ShiftRead,
    status_code=status.HTTP_201_CREATED,
    tags=["staffing"],
    dependencies=[Idempotent],
    responses={
        200: {"description": "An existing shift was replaced (If-Match).", "model": ShiftRead},
        **problem_responses(403, 409, 412, 422),
    },
    summary="Record a shift's staffing (a repeat replaces it with If-Match)",
)
def record_shift(
    data: ShiftWrite,
    session: SessionDep,
    principal: StaffingWriter,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ShiftRead:
    shift, created = service.record_shift(session, principal, data=data, if_match=if_match)
    set_etag(response, shift.version)
    response.headers["Location"] = f"/api/v1/staffing/shifts/{shift.id}"
    if not created:
        response.status_code = status.HTTP_200_OK
    return shift


@router.post(
    "/staffing/shifts:batch",
    response_model=ShiftBatchResult,
    tags=["staffing"],
    responses=problem_responses(409, 422),
    summary="Record up to 1,000 shifts, all or none",
    description="Every row is checked first; any invalid row refuses the batch (422), any row "
    "conflicting with a recorded shift refuses it too (409), with the problems by row.",
)
def record_shift_batch(
    data: ShiftBatch, session: SessionDep, principal: StaffingWriter
) -> ShiftBatchResult:
    return service.record_shift_batch(session, principal, data=data)


@router.get("/staffing/shifts", response_model=Page[ShiftRead], tags=["staffing"])
def list_shifts(
    session: SessionDep,
    principal: StaffingReader,
    paging: Paging,
    department_id: uuid.UUID | None = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> Page[ShiftRead]:
    items, cursor = service.list_shifts(
        session, principal, params=paging, department_id=department_id, from_=from_, to=to
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/staffing/shifts/{shift_id}",
    response_model=ShiftRead,
    tags=["staffing"],
    responses=problem_responses(404),
)
def read_shift(
    shift_id: uuid.UUID, session: SessionDep, principal: StaffingReader, response: Response
) -> ShiftRead:
    shift = service.get_shift(session, principal, shift_id=shift_id)
    set_etag(response, shift.version)
    return shift
