"""The program's figures: the coordinator's metrics (on the wire), and the weekly figures
and releases handed to insights (plain dataclasses that never cross the HTTP boundary)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from haven.core.schemas import ResponseModel
from haven.support.schemas.enums import Urgency
from haven.support.schemas.feedback import SupportFeedbackSummary


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
