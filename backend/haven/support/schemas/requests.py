"""Support requests on the wire: asking, one response model per viewer (the wall, see
``haven.support.schemas``), status moves, assignment, escalation and a request's candidates.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, model_validator

from haven.auth.schemas import Profession
from haven.core.schemas import RequestModel, ResponseModel
from haven.support.schemas.enums import (
    _LANGUAGE,
    ContactChannel,
    EscalationResource,
    ExclusionReason,
    RequestKind,
    RequestStatus,
    RequestView,
    Urgency,
)
from haven.support.schemas.resources import ResourceRead


class SupportRequestCreate(RequestModel):
    """No field for what happened and no report id: support is about the person."""

    kind: RequestKind = Field(
        default=RequestKind.for_self, description="for_self, or referral for a colleague."
    )
    referred_email: EmailStr | None = Field(
        default=None, max_length=254, description="The colleague's work email (referrals only)."
    )
    urgency: Urgency
    tier: int = Field(
        default=2, ge=1, le=3, description="1 local colleagues, 2 peer supporter, 3 professional."
    )
    contact_channel: ContactChannel | None = None
    contact_details: str | None = Field(
        default=None, max_length=200, description="How to reach the person, e.g. a phone number."
    )
    preferred_times: str | None = Field(default=None, max_length=200)
    preferred_profession: Profession | None = None
    preferred_language: str | None = Field(default=None, max_length=35, pattern=_LANGUAGE)
    not_own_department: bool = Field(
        default=False, description="Prefer a supporter from another department."
    )

    @model_validator(mode="after")
    def _kind_fits(self) -> SupportRequestCreate:
        if self.kind == RequestKind.outreach:
            raise ValueError("outreach requests come from outreach tasks")
        if self.kind == RequestKind.referral and self.referred_email is None:
            raise ValueError("a referral names the colleague's email")
        if self.kind == RequestKind.for_self and self.referred_email is not None:
            raise ValueError("referred_email is only for referrals")
        return self


class SupportRequestCreated(ResponseModel):
    id: uuid.UUID | None = Field(
        description="The request's id; null for a referral (it belongs to the colleague)."
    )
    kind: RequestKind
    status: RequestStatus
    urgency: Urgency
    due_at: datetime = Field(description="First contact is due by this time.")
    who_sees_it: str
    crisis_resources: list[ResourceRead] = Field(
        description="For urgent requests: call these now if you are in danger."
    )


class _RequestReadBase(ResponseModel):
    """What every viewer of a request sees: status, tier, urgency, preferences, timestamps."""

    view: RequestView
    id: uuid.UUID
    kind: RequestKind
    status: RequestStatus
    urgency: Urgency
    tier: int
    department_id: uuid.UUID | None
    contact_channel: ContactChannel | None
    preferred_profession: Profession | None
    preferred_language: str | None
    not_own_department: bool
    created_at: datetime
    due_at: datetime
    is_overdue: bool
    assigned_at: datetime | None
    first_contact_at: datetime | None
    active_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    escalated_resource: EscalationResource | None
    safety_exception_at: datetime | None
    supporter_name: str | None
    allowed_transitions: list[RequestStatus]
    version: int


class RequesterRequestRead(_RequestReadBase):
    """The request as the person it is for sees it."""

    view: Literal[RequestView.requester]
    contact_details: str | None
    preferred_times: str | None
    can_give_feedback: bool = Field(description="Closed, and no feedback given yet.")


class SupporterRequestRead(_RequestReadBase):
    """The request as its assigned supporter sees it: who to reach, and how."""

    view: Literal[RequestView.supporter]
    supporter_id: uuid.UUID | None
    requester_name: str | None
    requester_profession: Profession | None
    contact_details: str | None
    preferred_times: str | None


class CoordinatorRequestRead(_RequestReadBase):
    """The request as the support coordinator sees it: operational fields only. There is no
    field for contact details, preferred times or the requester's name."""

    view: Literal[RequestView.coordinator]
    supporter_id: uuid.UUID | None
    audit_ref: uuid.UUID = Field(
        description="The id under which the audit log records this request."
    )


SupportRequestRead = Annotated[
    RequesterRequestRead | SupporterRequestRead | CoordinatorRequestRead,
    Field(discriminator="view"),
]
"""A request as the caller sees it, whichever of the three viewers they are."""


class SupportTransition(RequestModel):
    to: RequestStatus


class AssignmentRequest(RequestModel):
    supporter_id: uuid.UUID | None = Field(
        default=None, description="A roster entry's id; null to let matching choose."
    )


class EscalationCreate(RequestModel):
    resource: EscalationResource
    escalated_at: datetime | None = Field(default=None, description="When; default now.")


class CandidateRead(ResponseModel):
    supporter_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None
    professions: list[Profession]
    languages: list[str]
    open_caseload: int
    capacity: int
    preference_fit: int = Field(description="How many of the request's preferences fit.")


class ExcludedSupporterRead(ResponseModel):
    supporter_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    reason: ExclusionReason


class CandidatesRead(ResponseModel):
    eligible: list[CandidateRead] = Field(description="Best first.")
    excluded: list[ExcludedSupporterRead]
