"""Wire models and enums of the peer-support domain.

Every response model lists its fields. One request model, :class:`SupportRequestRead`, is
shaped by the caller: fields a caller may not see are null (``view`` says which shape it is).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pydantic import EmailStr, Field, model_validator

from haven.auth.schemas import Profession
from haven.core.schemas import RequestModel, ResponseModel


class RequestKind(StrEnum):
    for_self = "for_self"
    referral = "referral"
    outreach = "outreach"


class RequestStatus(StrEnum):
    new = "new"
    assigned = "assigned"
    contacted = "contacted"
    active = "active"
    escalated = "escalated"
    closed = "closed"


OPEN_STATUSES = frozenset(s for s in RequestStatus if s is not RequestStatus.closed)


class Urgency(StrEnum):
    urgent = "urgent"
    soon = "soon"
    routine = "routine"


class ContactChannel(StrEnum):
    phone = "phone"
    video = "video"
    in_person = "in_person"
    message = "message"


class EncounterChannel(StrEnum):
    in_person = "in_person"
    phone = "phone"
    video = "video"
    group = "group"


class EncounterOutcome(StrEnum):
    follow_up = "follow_up"
    resolved = "resolved"
    referred = "referred"


class EscalationResource(StrEnum):
    """Tier 3: expedited referral to professional help."""

    employee_assistance = "employee_assistance"
    chaplaincy = "chaplaincy"
    psychology = "psychology"
    occupational_health = "occupational_health"
    crisis_line = "crisis_line"
    emergency_pathway = "emergency_pathway"
    other = "other"


class ResourceKind(StrEnum):
    crisis_line = "crisis_line"
    employee_assistance = "employee_assistance"
    chaplaincy = "chaplaincy"
    psychology = "psychology"
    emergency = "emergency"
    other = "other"


class FollowUpStatus(StrEnum):
    scheduled = "scheduled"
    done = "done"
    cancelled = "cancelled"


class OutreachStatus(StrEnum):
    open = "open"
    accepted = "accepted"
    declined = "declined"


class ExclusionReason(StrEnum):
    """Why a supporter is not a candidate. Every rule is checked; the one reported is the
    first hard rule that applies in this order, else the first soft one (``paused``,
    ``already_offered``, ``is_coordinator``, ``at_capacity``, ``off_call``: the only ones a
    coordinator may override by hand)."""

    is_requester = "is_requester"
    is_assigner = "is_assigner"
    leads_department = "leads_department"
    conflicting_roles = "conflicting_roles"
    inactive = "inactive"
    paused = "paused"
    not_trained = "not_trained"
    training_expired = "training_expired"
    involved_in_event = "involved_in_event"
    already_offered = "already_offered"
    same_department = "same_department"
    is_coordinator = "is_coordinator"
    at_capacity = "at_capacity"
    off_call = "off_call"


class RequestView(StrEnum):
    requester = "requester"
    supporter = "supporter"
    coordinator = "coordinator"


_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
_LANGUAGE = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$"

# --- crisis resources --------------------------------------------------------------------


class ResourceItem(RequestModel):
    kind: ResourceKind
    name: str = Field(min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    url: str | None = Field(default=None, max_length=300, pattern=r"^https?://\S+$")
    hours: str | None = Field(default=None, max_length=120, description="e.g. 24/7")


class ResourcesUpdate(RequestModel):
    items: list[ResourceItem] = Field(max_length=20)


class ResourceRead(ResponseModel):
    kind: ResourceKind
    name: str
    phone: str | None
    url: str | None
    hours: str | None


class ResourcesRead(ResponseModel):
    items: list[ResourceRead]
    version: int


class SupportConfigRead(ResponseModel):
    target_minutes: dict[Urgency, int] = Field(description="First-contact target per urgency.")
    private_notes_enabled: bool
    follow_up_days: list[int]
    retention_days: int


# --- the roster --------------------------------------------------------------------------


class OnCallWindow(RequestModel):
    weekday: int = Field(ge=0, le=6, description="Monday 0 … Sunday 6.")
    start: str = Field(pattern=_HHMM, description="HH:MM, organisation time zone.")
    end: str = Field(
        pattern=_HHMM, description="HH:MM; at or before the start, the window runs past midnight."
    )


class OnCallWindowRead(ResponseModel):
    weekday: int
    start: str
    end: str


class SupporterCreate(RequestModel):
    user_id: uuid.UUID | None = Field(default=None, description="The person, by id …")
    email: EmailStr | None = Field(default=None, max_length=254, description="… or by email.")
    training_completed_on: date | None = None
    training_expires_on: date | None = None
    professions: list[Profession] = Field(
        default_factory=list, max_length=6, description="Empty: the person's own profession."
    )
    languages: list[str] = Field(
        default_factory=list, max_length=10, description="BCP 47 tags, e.g. en, pl, fr-CA."
    )
    capacity: int = Field(default=3, ge=1, le=50, description="Most open requests at once.")
    is_active: bool = True
    on_call: list[OnCallWindow] = Field(default_factory=list, max_length=42)

    @model_validator(mode="after")
    def _languages(self) -> SupporterCreate:
        if (self.user_id is None) == (self.email is None):
            raise ValueError("name the person by user_id or by email (one of them)")
        _check_languages(self.languages)
        return self


class SupporterUpdate(RequestModel):
    training_completed_on: date | None = None
    training_expires_on: date | None = None
    professions: list[Profession] | None = Field(default=None, max_length=6)
    languages: list[str] | None = Field(default=None, max_length=10)
    capacity: int | None = Field(default=None, ge=1, le=50)
    is_active: bool | None = None
    is_paused: bool | None = None
    on_call: list[OnCallWindow] | None = Field(default=None, max_length=42)

    @model_validator(mode="after")
    def _languages(self) -> SupporterUpdate:
        _check_languages(self.languages or [])
        return self


def _check_languages(languages: list[str]) -> None:
    import re

    for tag in languages:
        if len(tag) > 35 or not re.match(_LANGUAGE, tag):
            raise ValueError("languages must be BCP 47 tags such as en or fr-CA")


class SupporterRead(ResponseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None
    training_completed_on: date | None
    training_expires_on: date | None
    professions: list[Profession]
    languages: list[str]
    capacity: int
    is_active: bool
    is_paused: bool
    on_call: list[OnCallWindowRead]
    open_caseload: int
    version: int


class AvailabilityRead(ResponseModel):
    supporter_id: uuid.UUID
    on_call: list[OnCallWindowRead]
    is_paused: bool
    is_on_call_now: bool
    time_zone: str
    version: int


class AvailabilityUpdate(RequestModel):
    on_call: list[OnCallWindow] = Field(max_length=42)
    is_paused: bool


# --- requests ----------------------------------------------------------------------------


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


class SupportRequestRead(ResponseModel):
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
    supporter_id: uuid.UUID | None = Field(description="Supporter and coordinator views.")
    supporter_name: str | None
    requester_name: str | None = Field(description="Supporter view only.")
    requester_profession: Profession | None = Field(description="Supporter view only.")
    contact_details: str | None = Field(description="Requester and supporter views.")
    preferred_times: str | None = Field(description="Requester and supporter views.")
    can_give_feedback: bool = Field(description="Requester view: closed, no feedback yet.")
    allowed_transitions: list[RequestStatus]
    audit_ref: uuid.UUID | None = Field(
        description="Coordinator view: the id under which the audit log records this request."
    )
    version: int


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


# --- encounters and follow-ups -----------------------------------------------------------


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


# --- feedback, outreach, metrics ---------------------------------------------------------


class SupportFeedbackCreate(RequestModel):
    helpful: int = Field(ge=1, le=5, description="Was it helpful, 1 (not at all) to 5 (very).")
    comment: str | None = Field(default=None, max_length=1000)


class SupportFeedbackSummary(ResponseModel):
    """Over whole calendar months that have ended, each with at least ``min_answers``
    answers (a month still running, or with fewer answers, is in no summary: figures never
    change once shown, so two looks cannot be subtracted to isolate one answer)."""

    answers: int | None = Field(description="Null when no month qualifies.")
    average_helpful: float | None
    distribution: dict[int, int] | None
    comments: list[str] | None = Field(description="In random order, without dates.")
    min_answers: int
    suppressed: bool
    months: list[date] = Field(
        default_factory=list, description="The months covered (their first days)."
    )


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


class UrgencyMetrics(ResponseModel):
    urgency: Urgency
    target_minutes: int
    requests: int
    first_contacts: int
    within_target: int
    median_minutes_to_first_contact: float | None


class TierCount(ResponseModel):
    tier: int
    requests: int


class ProgramMetrics(ResponseModel):
    since: date
    by_urgency: list[UrgencyMetrics]
    by_tier: list[TierCount]
    open_requests: int
    overdue_requests: int
    feedback: SupportFeedbackSummary


@dataclass(frozen=True, slots=True)
class SupportWeekFigures:
    """One department's support figures for one week (for insights; never identifying).
    A plain dataclass, like the other domains' weekly figures: it never crosses the HTTP
    boundary and is made from the service's own queries."""

    # The requester's department when they asked (kept as program data).
    department_id: uuid.UUID | None
    week_start: date  # the Monday of the week (organisation time zone)
    requests: int
    requesters: int  # distinct people, for small-cell suppression
    first_contacts: int
    median_minutes_to_first_contact: float | None
    within_target: int  # first contact inside the urgency's target


@dataclass(frozen=True, slots=True)
class SupportReleaseFigures:
    """One department's support figures of one week, for insights' weekly release, with
    what the small-cell rules need to know about the people behind them (never who).

    ``creators`` counts the people who made the week's requests (the requester, or the
    colleague who referred them): one person referring many colleagues is one creator, so a
    cell cannot be pushed over the threshold by one person's referrals."""

    figures: SupportWeekFigures
    creators: int


# What one creator's requests add to a department's week (see SupportRelease.shares):
# requests, requesters, first contacts, within target, without a contact, contacts late.
CreatorShare = tuple[int, int, int, int, int, int]


@dataclass(frozen=True, slots=True)
class SupportRelease:
    """A week's support figures per department, and the same facts over the whole
    organisation (one person may have asked, or referred colleagues, in several
    departments: the organisation's creators are told apart across them)."""

    departments: list[SupportReleaseFigures]
    organisation: SupportReleaseFigures | None
    # Per creator (an anonymous list: nobody named, in no meaningful order), what their
    # requests add to each department (None: no department) and to the organisation.
    # Requests already purged, whose creator is no longer known, are added to every
    # creator's share: any one of them might know of those too (the cautious assumption).
    shares: list[tuple[dict[uuid.UUID | None, CreatorShare], CreatorShare]]
