"""A person's notification inbox."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from haven.auth.deps import EVERYONE, Allow
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, SessionDep
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal
from haven.notifications import service
from haven.notifications.schemas import NotificationRead, UnreadCount

router = APIRouter(prefix="/notifications", tags=["notifications"], route_class=HavenRoute)

Me = Annotated[Principal, Allow(*EVERYONE)]


@router.get("", response_model=Page[NotificationRead])
def list_notifications(
    session: SessionDep,
    principal: Me,
    paging: Annotated[PageParams, Depends(page_params)],
    unread_only: bool = False,
) -> Page[NotificationRead]:
    items, cursor = service.list_notifications(
        session, principal, params=paging, unread_only=unread_only
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/unread-count", response_model=UnreadCount)
def unread_count(session: SessionDep, principal: Me) -> UnreadCount:
    return service.unread_count(session, principal)


@router.post("/read-all", status_code=status.HTTP_204_NO_CONTENT)
def mark_all_read(session: SessionDep, principal: Me) -> None:
    service.mark_all_read(session, principal)


@router.post(
    "/{notification_id}/read", response_model=NotificationRead, responses=problem_responses(404)
)
def mark_read(notification_id: uuid.UUID, session: SessionDep, principal: Me) -> NotificationRead:
    return service.mark_read(session, principal, notification_id=notification_id)
