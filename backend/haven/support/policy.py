"""Pure rules of the peer-support program: who sees which shape of a request, which status
moves each party may make, response targets, on-call windows, and matching.

Nothing here touches the database; the service loads the facts and applies these.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import false
from sqlmodel import col

from haven.auth.schemas import Role
from haven.core.scoping import S
from haven.core.security import Principal
from haven.support.models import SupportRequest
from haven.support.schemas import (
    OPEN_STATUSES,
    ExclusionReason,
    RequestStatus,
    RequestView,
    Urgency,
)

# --- who sees what -----------------------------------------------------------------------


def is_coordinator(principal: Principal) -> bool:
    return principal.has_role(Role.support_coordinator)


def is_supporter(principal: Principal) -> bool:
    return principal.has_role(Role.peer_supporter)


def is_assigned_supporter(principal: Principal, request: SupportRequest) -> bool:
    return (
        is_supporter(principal)
        and request.supporter_id is not None
        and request.supporter_id == principal.id
    )


def is_requester(principal: Principal, request: SupportRequest) -> bool:
    return principal.kind == "user" and request.requester_id == principal.id


def view_for(principal: Principal, request: SupportRequest) -> RequestView | None:
    """The richest shape the caller may see, or None: the wall (DESIGN.md)."""
    if principal.kind != "user":
        return None
    if is_assigned_supporter(principal, request):
        return RequestView.supporter
    if is_requester(principal, request):
        return RequestView.requester
    if is_coordinator(principal):
        return RequestView.coordinator
    return None


def scope_requests(stmt: S, principal: Principal, view: RequestView) -> S:
    """Restrict a query on requests to one of the caller's lists."""
    if principal.kind != "user":
        return stmt.where(false())
    if view is RequestView.requester:
        return stmt.where(col(SupportRequest.requester_id) == principal.id)
    if view is RequestView.supporter and is_supporter(principal):
        return stmt.where(col(SupportRequest.supporter_id) == principal.id)
    if view is RequestView.coordinator and is_coordinator(principal):
        return stmt
    return stmt.where(false())


# --- status moves ------------------------------------------------------------------------

_SUPPORTER_MOVES: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.assigned: frozenset({RequestStatus.contacted}),
    RequestStatus.contacted: frozenset({RequestStatus.active, RequestStatus.closed}),
    RequestStatus.active: frozenset({RequestStatus.closed}),
    RequestStatus.escalated: frozenset({RequestStatus.active, RequestStatus.closed}),
}


def allowed_transitions(status: RequestStatus, view: RequestView) -> list[RequestStatus]:
    """Moves through ``POST .../transitions``. Assignment and escalation have their own
    endpoints; the requester and the coordinator may close an open request (a withdrawal,
    a duplicate), only the assigned supporter records contact and activity."""
    moves: set[RequestStatus] = set()
    if view is RequestView.supporter:
        moves |= _SUPPORTER_MOVES.get(status, frozenset())
    if status in OPEN_STATUSES and view in (RequestView.requester, RequestView.coordinator):
        moves.add(RequestStatus.closed)
    return sorted(moves)


# --- response targets --------------------------------------------------------------------


def target_for(urgency: Urgency, targets: dict[Urgency, int]) -> timedelta:
    return timedelta(minutes=targets[urgency])


def is_overdue(request: SupportRequest, now: datetime) -> bool:
    """Past its first-contact deadline with no first contact."""
    return (
        request.status in (RequestStatus.new, RequestStatus.assigned)
        and request.first_contact_at is None
        and request.due_at < now
    )


# --- on-call windows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    weekday: int
    start: int  # minutes after midnight
    end: int

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Window:
        return cls(int(raw["weekday"]), _minutes(str(raw["start"])), _minutes(str(raw["end"])))

    def covers(self, weekday: int, minute: int) -> bool:
        if self.end > self.start:
            return weekday == self.weekday and self.start <= minute < self.end
        # At or before the start: runs past midnight into the next day.
        return (weekday == self.weekday and minute >= self.start) or (
            weekday == (self.weekday + 1) % 7 and minute < self.end
        )


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def on_call_at(windows: Iterable[Window], local_now: datetime) -> bool:
    weekday = local_now.weekday()
    minute = local_now.hour * 60 + local_now.minute
    return any(w.covers(weekday, minute) for w in windows)


# --- matching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SupporterFacts:
    supporter_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None
    professions: tuple[str, ...]
    languages: tuple[str, ...]
    capacity: int
    open_caseload: int
    is_active: bool  # on the roster, the account active and still holding the role
    is_paused: bool
    training_completed_on: date | None
    training_expires_on: date | None
    windows: tuple[Window, ...] = ()
    # The department this person leads (their department, when they hold department_lead).
    led_department_id: uuid.UUID | None = None
    # The account also holds a role that may not sit with peer support (DESIGN.md,
    # "Separation of roles"): possible only in data older than that rule.
    has_conflicting_roles: bool = False
    # Also a support coordinator, who could otherwise steer matching to themself (by
    # pausing the others): assigned only by another coordinator's hand.
    is_coordinator: bool = False


@dataclass(frozen=True)
class RequestFacts:
    requester_id: uuid.UUID | None
    department_id: uuid.UUID | None
    not_own_department: bool = False
    preferred_profession: str | None = None
    preferred_language: str | None = None
    involved_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    passed_over_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    # The coordinator assigning by hand: never their own supporter.
    assigner_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Candidate:
    supporter: SupporterFacts
    preference_fit: int


# Rules a coordinator may override by hand (DESIGN.md, "Matching": "The coordinator can
# assign by hand"): the program's own scheduling, which a person can weigh. Every other rule
# protects the requester or the separation of roles and is never overridden, whatever soft
# rule the same supporter also fails.
SOFT_REASONS: frozenset[ExclusionReason] = frozenset(
    {
        ExclusionReason.paused,
        ExclusionReason.already_offered,
        ExclusionReason.is_coordinator,
        ExclusionReason.at_capacity,
        ExclusionReason.off_call,
    }
)
_RULE_ORDER = {reason: i for i, reason in enumerate(ExclusionReason)}


@dataclass(frozen=True)
class Exclusion:
    supporter: SupporterFacts
    # Every rule the supporter fails: hard ones first, each group in the order of
    # ExclusionReason. ``reason`` (the first) is what is reported.
    reasons: tuple[ExclusionReason, ...]

    @property
    def reason(self) -> ExclusionReason:
        return self.reasons[0]

    @property
    def overridable(self) -> bool:
        """True when only soft rules exclude the supporter (a coordinator may assign by hand)."""
        return all(r in SOFT_REASONS for r in self.reasons)


@dataclass(frozen=True)
class MatchResult:
    eligible: list[Candidate]
    excluded: list[Exclusion]

    @property
    def best(self) -> Candidate | None:
        return self.eligible[0] if self.eligible else None


def _language_fits(wanted: str, offered: Sequence[str]) -> bool:
    primary = wanted.split("-")[0].lower()
    return any(
        lang.lower() == wanted.lower() or lang.split("-")[0].lower() == primary for lang in offered
    )


def preference_fit(request: RequestFacts, supporter: SupporterFacts) -> int:
    fit = 0
    if request.preferred_profession and request.preferred_profession in supporter.professions:
        fit += 1
    if request.preferred_language and _language_fits(
        request.preferred_language, supporter.languages
    ):
        fit += 1
    return fit


def exclusion_reasons(
    request: RequestFacts, supporter: SupporterFacts, *, today: date, weekday: int, minute: int
) -> tuple[ExclusionReason, ...]:
    """Every rule the supporter fails (DESIGN.md, "Matching"), hard rules before soft ones:
    all are checked, so a soft rule can never hide a hard one. Empty when eligible."""
    failed: list[ExclusionReason] = []
    if request.requester_id is not None and supporter.user_id == request.requester_id:
        failed.append(ExclusionReason.is_requester)
    if request.assigner_id is not None and supporter.user_id == request.assigner_id:
        failed.append(ExclusionReason.is_assigner)
    if (
        request.department_id is not None
        and supporter.led_department_id is not None
        and supporter.led_department_id == request.department_id
    ):
        failed.append(ExclusionReason.leads_department)
    if supporter.has_conflicting_roles:
        failed.append(ExclusionReason.conflicting_roles)
    if not supporter.is_active:
        failed.append(ExclusionReason.inactive)
    if supporter.is_paused:
        failed.append(ExclusionReason.paused)
    if supporter.training_completed_on is None:
        failed.append(ExclusionReason.not_trained)
    elif supporter.training_expires_on is not None and supporter.training_expires_on < today:
        failed.append(ExclusionReason.training_expired)
    if supporter.user_id in request.involved_ids:
        failed.append(ExclusionReason.involved_in_event)
    if supporter.user_id in request.passed_over_ids:
        failed.append(ExclusionReason.already_offered)
    if (
        request.not_own_department
        and request.department_id is not None
        and supporter.department_id == request.department_id
    ):
        failed.append(ExclusionReason.same_department)
    if supporter.is_coordinator:
        failed.append(ExclusionReason.is_coordinator)
    if supporter.open_caseload >= supporter.capacity:
        failed.append(ExclusionReason.at_capacity)
    if not any(w.covers(weekday, minute) for w in supporter.windows):
        failed.append(ExclusionReason.off_call)
    return tuple(sorted(failed, key=lambda r: (r in SOFT_REASONS, _RULE_ORDER[r])))


def match_supporters(
    request: RequestFacts,
    supporters: Iterable[SupporterFacts],
    *,
    local_now: datetime,
    today: date,
) -> MatchResult:
    """Rank the eligible supporters (best preference fit, then lowest open caseload, then
    name) and say why each other one is excluded. ``local_now`` is in the organisation's
    time zone (on-call windows are written in it). O(n log n) in the roster's size."""
    weekday = local_now.weekday()
    minute = local_now.hour * 60 + local_now.minute
    eligible: list[Candidate] = []
    excluded: list[Exclusion] = []
    for supporter in supporters:
        reasons = exclusion_reasons(request, supporter, today=today, weekday=weekday, minute=minute)
        if not reasons:
            eligible.append(Candidate(supporter, preference_fit(request, supporter)))
        else:
            excluded.append(Exclusion(supporter, reasons))
    eligible.sort(
        key=lambda c: (
            -c.preference_fit,
            c.supporter.open_caseload,
            c.supporter.display_name.casefold(),
            c.supporter.supporter_id,
        )
    )
    excluded.sort(key=lambda e: (e.supporter.display_name.casefold(), e.supporter.supporter_id))
    return MatchResult(eligible, excluded)
