"""Debrief endpoints: sessions, participants, the record, the workflow, anonymous feedback,
the calendar export, and action items (from a debrief or from a report)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from haven.auth.deps import Allow, Idempotent
from haven.auth.schemas import Role
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, IfMatchHeader, SessionDep, set_etag
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal
from haven.debriefs import service
from haven.debriefs.schemas import (
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
    OverdueCount,
    ParticipantRead,
    ParticipantsInvite,
    TeamMember,
)

router = APIRouter(route_class=HavenRoute)

Paging = Annotated[PageParams, Depends(page_params)]
# Everyone who can take part in a debrief; the service decides per record (see policy.py).
Member = Annotated[
    Principal,
    Allow(
        Role.staff,
        Role.peer_supporter,
        Role.support_coordinator,
        Role.safety_officer,
        Role.department_lead,
    ),
]
Scheduler = Annotated[
    Principal, Allow(Role.safety_officer, Role.department_lead, Role.support_coordinator)
]
ReportActioner = Annotated[Principal, Allow(Role.safety_officer, Role.department_lead)]


def _debrief_filters(
    status_: Annotated[DebriefStatus | None, Query(alias="status")] = None,
    kind: DebriefKind | None = None,
    department_id: uuid.UUID | None = None,
    upcoming: Annotated[
        bool, Query(description="Scheduled sessions from now on, soonest first.")
    ] = False,
    mine: Annotated[bool, Query(description="Only those I facilitate or am invited to.")] = False,
) -> service.DebriefFilters:
    return service.DebriefFilters(
        status=status_, kind=kind, department_id=department_id, upcoming=upcoming, mine=mine
    )


def _action_filters(
    department_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    status_: Annotated[ActionStatus | None, Query(alias="status")] = None,
    strength: ActionStrength | None = None,
    overdue: Annotated[
        bool | None, Query(description="Open or in progress and past the due date.")
    ] = None,
    debrief_id: uuid.UUID | None = None,
    report_id: uuid.UUID | None = None,
) -> service.ActionFilters:
    return service.ActionFilters(
        department_id=department_id,
        owner_id=owner_id,
        status=status_,
        strength=strength,
        overdue=overdue,
        debrief_id=debrief_id,
        report_id=report_id,
    )


# --- debriefs --------------------------------------------------------------------------


@router.post(
    "/debriefs",
    response_model=DebriefRead,
    status_code=status.HTTP_201_CREATED,
    tags=["debriefs"],
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 422),
    summary="Schedule a debrief",
)
def create_debrief(
    data: DebriefCreate, session: SessionDep, principal: Scheduler, response: Response
) -> DebriefRead:
    """Safety officers: any kind, any department. Department leads: their department.
    Support coordinators: an open forum in any department."""
    created = service.create_debrief(session, principal, data=data)
    set_etag(response, created.version)
    response.headers["Location"] = f"/api/v1/debriefs/{created.id}"
    return created


@router.get("/debriefs", response_model=Page[DebriefListItem], tags=["debriefs"])
def list_debriefs(
    session: SessionDep,
    principal: Member,
    paging: Paging,
    filters: Annotated[service.DebriefFilters, Depends(_debrief_filters)],
) -> Page[DebriefListItem]:
    """The debriefs the caller runs or was invited to (safety officers: all)."""
    items, cursor = service.list_debriefs(session, principal, filters=filters, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/debriefs/people",
    response_model=Page[TeamMember],
    tags=["debriefs"],
    responses=problem_responses(403),
    summary="Members of staff to invite, to facilitate or to own an action",
)
def list_team_members(
    session: SessionDep,
    principal: Member,
    paging: Paging,
    department_id: uuid.UUID | None = None,
) -> Page[TeamMember]:
    """For those who schedule debriefs and facilitators of one under way."""
    items, cursor = service.list_team_members(
        session, principal, department_id=department_id, params=paging
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/debriefs.ics",
    tags=["debriefs"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}},
    summary="My upcoming debriefs as an iCalendar file",
)
def debrief_calendar(session: SessionDep, principal: Member) -> Response:
    return Response(
        content=service.calendar_for(session, principal),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="haven-debriefs.ics"'},
    )


@router.get(
    "/debriefs/{debrief_id}",
    response_model=DebriefRead,
    tags=["debriefs"],
    responses=problem_responses(404),
)
def get_debrief(
    debrief_id: uuid.UUID, session: SessionDep, principal: Member, response: Response
) -> DebriefRead:
    found = service.get_debrief(session, principal, debrief_id=debrief_id)
    set_etag(response, found.version)
    return found


@router.patch(
    "/debriefs/{debrief_id}",
    response_model=DebriefRead,
    tags=["debriefs"],
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
def update_debrief(
    debrief_id: uuid.UUID,
    data: DebriefUpdate,
    session: SessionDep,
    principal: Member,
    response: Response,
    if_match: IfMatchHeader = None,
) -> DebriefRead:
    updated = service.update_debrief(
        session, principal, debrief_id=debrief_id, data=data, if_match=if_match
    )
    set_etag(response, updated.version)
    return updated


@router.post(
    "/debriefs/{debrief_id}/transitions",
    response_model=DebriefRead,
    tags=["debriefs"],
    responses=problem_responses(403, 404, 409, 412, 422, 428),
    summary="Move a debrief along: scheduled → held → summarized → closed, or cancel it",
)
def transition_debrief(
    debrief_id: uuid.UUID,
    data: DebriefTransition,
    session: SessionDep,
    principal: Member,
    response: Response,
    if_match: IfMatchHeader = None,
) -> DebriefRead:
    moved = service.transition_debrief(
        session, principal, debrief_id=debrief_id, data=data, if_match=if_match
    )
    set_etag(response, moved.version)
    return moved


@router.post(
    "/debriefs/{debrief_id}/participants",
    response_model=list[ParticipantRead],
    tags=["debriefs"],
    dependencies=[Idempotent],
    responses=problem_responses(403, 404, 409, 422),
    summary="Invite people (each is notified)",
)
def invite_participants(
    debrief_id: uuid.UUID, data: ParticipantsInvite, session: SessionDep, principal: Member
) -> list[ParticipantRead]:
    return service.invite_participants(session, principal, debrief_id=debrief_id, data=data)


@router.delete(
    "/debriefs/{debrief_id}/participants/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["debriefs"],
    responses=problem_responses(403, 404, 409),
)
def remove_participant(
    debrief_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, principal: Member
) -> None:
    service.remove_participant(session, principal, debrief_id=debrief_id, user_id=user_id)


@router.post(
    "/debriefs/{debrief_id}/attendance",
    response_model=list[ParticipantRead],
    tags=["debriefs"],
    responses=problem_responses(403, 404, 409, 422),
    summary="Record who attended (only the people named change)",
)
def record_attendance(
    debrief_id: uuid.UUID, data: AttendanceUpdate, session: SessionDep, principal: Member
) -> list[ParticipantRead]:
    return service.record_attendance(session, principal, debrief_id=debrief_id, data=data)


@router.put(
    "/debriefs/{debrief_id}/record",
    response_model=DebriefRecordRead,
    tags=["debriefs"],
    responses=problem_responses(403, 404, 409, 412, 422, 428),
    summary="Save the structured record (If-Match: the record's version)",
)
def save_record(
    debrief_id: uuid.UUID,
    data: DebriefRecordWrite,
    session: SessionDep,
    principal: Member,
    response: Response,
    if_match: IfMatchHeader = None,
) -> DebriefRecordRead:
    saved = service.save_record(
        session, principal, debrief_id=debrief_id, data=data, if_match=if_match
    )
    set_etag(response, saved.version)
    return saved


@router.post(
    "/debriefs/{debrief_id}/feedback",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["debriefs"],
    responses=problem_responses(403, 404, 409, 422),
    summary="Rate a debrief anonymously (participants, once)",
)
def give_feedback(
    debrief_id: uuid.UUID, data: DebriefFeedbackCreate, session: SessionDep, principal: Member
) -> None:
    """Stored with no link to you. Deliberately not idempotent by key: a stored request
    hash would tie your answer to you. A second answer gets 409."""
    service.give_feedback(session, principal, debrief_id=debrief_id, data=data)


@router.get(
    "/debriefs/{debrief_id}/feedback",
    response_model=DebriefFeedbackSummary,
    tags=["debriefs"],
    responses=problem_responses(403, 404),
    summary="Feedback averages (from 5 answers, once feedback has closed)",
)
def feedback_summary(
    debrief_id: uuid.UUID, session: SessionDep, principal: Member
) -> DebriefFeedbackSummary:
    return service.feedback_summary(session, principal, debrief_id=debrief_id)


@router.post(
    "/debriefs/{debrief_id}/action-items",
    response_model=ActionItemRead,
    status_code=status.HTTP_201_CREATED,
    tags=["action-items"],
    dependencies=[Idempotent],
    responses=problem_responses(403, 404, 409, 422),
)
def create_debrief_action(
    debrief_id: uuid.UUID,
    data: ActionItemCreate,
    session: SessionDep,
    principal: Member,
    response: Response,
) -> ActionItemRead:
    created = service.create_debrief_action(session, principal, debrief_id=debrief_id, data=data)
    set_etag(response, created.version)
    return created


# --- action items ----------------------------------------------------------------------


@router.post(
    "/reports/{report_id}/action-items",
    response_model=ActionItemRead,
    status_code=status.HTTP_201_CREATED,
    tags=["action-items"],
    dependencies=[Idempotent],
    responses=problem_responses(403, 404, 422),
)
def create_report_action(
    report_id: uuid.UUID,
    data: ActionItemCreate,
    session: SessionDep,
    principal: ReportActioner,
    response: Response,
) -> ActionItemRead:
    created = service.create_report_action(session, principal, report_id=report_id, data=data)
    set_etag(response, created.version)
    return created


@router.get("/action-items", response_model=Page[ActionItemRead], tags=["action-items"])
def list_action_items(
    session: SessionDep,
    principal: Member,
    paging: Paging,
    filters: Annotated[service.ActionFilters, Depends(_action_filters)],
) -> Page[ActionItemRead]:
    """Soonest due first."""
    items, cursor = service.list_action_items(session, principal, filters=filters, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/action-items/overdue-by-department",
    response_model=list[OverdueCount],
    tags=["action-items"],
)
def overdue_by_department(session: SessionDep, principal: Member) -> list[OverdueCount]:
    return service.overdue_by_department(session, principal)


@router.get(
    "/action-items/categories",
    response_model=list[ActionCategoryInfo],
    tags=["action-items"],
    summary="The RCA² action hierarchy: each kind of action and its strength",
)
def action_categories(principal: Member) -> list[ActionCategoryInfo]:
    return service.action_categories()


@router.get(
    "/action-items/{action_item_id}",
    response_model=ActionItemRead,
    tags=["action-items"],
    responses=problem_responses(404),
)
def get_action_item(
    action_item_id: uuid.UUID, session: SessionDep, principal: Member, response: Response
) -> ActionItemRead:
    found = service.get_action_item(session, principal, action_item_id=action_item_id)
    set_etag(response, found.version)
    return found


@router.patch(
    "/action-items/{action_item_id}",
    response_model=ActionItemRead,
    tags=["action-items"],
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
def update_action_item(
    action_item_id: uuid.UUID,
    data: ActionItemUpdate,
    session: SessionDep,
    principal: Member,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ActionItemRead:
    updated = service.update_action_item(
        session, principal, action_item_id=action_item_id, data=data, if_match=if_match
    )
    set_etag(response, updated.version)
    return updated
