"""What supporters and coordinators are told, and where it links.

Titles carry no content (see haven.notifications) and links go to a page, never to a record;
the requester is never notified, so their inbox never shows that they asked.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from haven.auth import service as auth_service
from haven.auth.schemas import Role
from haven.notifications import service as notifications

TITLE_ASSIGNED = "You have a new support request"
TITLE_REASSIGNED = "A support request was reassigned"
TITLE_OVERDUE = "A support request is past its response target"
TITLE_WAITING = "A support request is waiting for a supporter"
TITLE_SAFETY = "Urgent: a peer supporter needs you now"
TITLE_FOLLOW_UP = "You have a follow-up due"
TITLE_OUTREACH = "You have a new outreach task"
INBOX_LINK = "/support/inbox"
BOARD_LINK = "/support/board"
OUTREACH_LINK = "/support/outreach"


def coordinator_ids(session: Session) -> list[uuid.UUID]:
    return auth_service.user_ids_with_role(session, Role.support_coordinator)


def notify_coordinators(session: Session, kind: str, title: str, link: str) -> None:
    notifications.notify(
        session, user_ids=coordinator_ids(session), kind=kind, title=title, link=link
    )
