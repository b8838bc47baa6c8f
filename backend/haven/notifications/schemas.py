"""Wire models of notifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from haven.core.schemas import ResponseModel


class NotificationRead(ResponseModel):
    id: uuid.UUID
    kind: str
    title: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class UnreadCount(ResponseModel):
    unread: int
