"""Proactive outreach tasks from event reviews (no event details): /support/outreach."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from haven.core.errors import problem_responses
from haven.core.http import IfMatchHeader, SessionDep, set_etag
from haven.core.pagination import Page
from haven.support import service
from haven.support.routes import router
from haven.support.routes.deps import Coordinator, Idempotent, Paging
from haven.support.schemas import (
    CoordinatorRequestRead,
    OutreachAccept,
    OutreachStatus,
    OutreachTaskRead,
)


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
    response_model=CoordinatorRequestRead,
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
) -> CoordinatorRequestRead:
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
