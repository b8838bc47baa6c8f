"""The support domain's wire vocabulary: the enums every part of it speaks (kinds, statuses,
urgencies, channels, outcomes, escalation resources, why a supporter is excluded, who is
viewing), and the one text pattern two parts share (a BCP 47 language tag).
"""

from __future__ import annotations

from enum import StrEnum


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


_LANGUAGE = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
