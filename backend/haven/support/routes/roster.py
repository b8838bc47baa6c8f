"""The supporter roster and each supporter's own availability: /support/supporters."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from haven.core.errors import problem_responses
from haven.core.http import IfMatchHeader, SessionDep, set_etag
from haven.core.pagination import Page
from haven.support import service
from haven.support.routes import router
from haven.support.routes.deps import Coordinator, Idempotent, Paging, Supporter
from haven.support.schemas import (
    AvailabilityRead,
    AvailabilityUpdate,
    SupporterCreate,
    SupporterRead,
    SupporterUpdate,
)


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
