"""Proactive outreach tasks on the wire (no event details are kept)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from haven.core.schemas import RequestModel, ResponseModel
from haven.support.schemas.enums import OutreachStatus, Urgency


class OutreachTaskRead(ResponseModel):
    id: uuid.UUID
    person_id: uuid.UUID | None
    person_name: str | None
    department_id: uuid.UUID | None
    source: str = Field(description="Always event_review: no event details are kept.")
    status: OutreachStatus
    created_at: datetime
    decided_at: datetime | None
    version: int


class OutreachAccept(RequestModel):
    urgency: Urgency = Urgency.soon
