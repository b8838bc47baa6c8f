"""Encounters and follow-ups on the wire. No field for event facts anywhere: they belong to
the report's review, not to peer support."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from haven.core.schemas import RequestModel, ResponseModel
from haven.support.schemas.enums import EncounterChannel, EncounterOutcome, FollowUpStatus


class EncounterCreate(RequestModel):
    """No field for event facts: they belong to the report's review, not to peer support."""

    occurred_at: datetime
    minutes: int = Field(ge=1, le=600)
    channel: EncounterChannel
    tier: int = Field(ge=1, le=3)
    outcome: EncounterOutcome
    safety_exception: bool = Field(
        default=False, description="Risk to self or others: escalates at once."
    )
    private_note: str | None = Field(
        default=None,
        max_length=2000,
        description="Only when the organisation enables it; sealed, yours alone, purged.",
    )


class EncounterRead(ResponseModel):
    id: uuid.UUID
    occurred_at: datetime
    minutes: int
    channel: EncounterChannel
    tier: int
    outcome: EncounterOutcome
    safety_exception: bool
    private_note: str | None = Field(
        description="Only for the supporter who wrote it, and only in the list of encounters: "
        "the answer to logging one (which may be stored for an idempotent replay) never holds it."
    )
    note_expires_at: datetime | None = Field(description="Only for the supporter who wrote it.")
    created_at: datetime


class FollowUpCreate(RequestModel):
    due_on: date


class FollowUpUpdate(RequestModel):
    due_on: date | None = None
    status: FollowUpStatus | None = None


class FollowUpRead(ResponseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    due_on: date
    status: FollowUpStatus
    is_due: bool
    completed_at: datetime | None
    version: int


class DueFollowUpRead(FollowUpRead):
    requester_name: str | None
