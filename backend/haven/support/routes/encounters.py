"""Encounters and follow-ups of a request, and a supporter's follow-ups that are due:
/support/requests/{request_id}/encounters, .../follow-ups, /support/follow-ups/due."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from haven.core.errors import problem_responses
from haven.core.http import IfMatchHeader, SessionDep, set_etag
from haven.support import service
from haven.support.routes import router
from haven.support.routes.deps import WALL, Idempotent, Person, Supporter
from haven.support.schemas import (
    DueFollowUpRead,
    EncounterCreate,
    EncounterRead,
    FollowUpCreate,
    FollowUpRead,
    FollowUpUpdate,
)


@router.get(
    "/requests/{request_id}/encounters",
    response_model=list[EncounterRead],
    responses=WALL,
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
    responses=WALL,
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
