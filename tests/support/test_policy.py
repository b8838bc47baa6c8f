"""Pure rules: matching, on-call windows, status moves, views, overdue."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from haven.core.security import Principal
from haven.support import policy
from haven.support.models import SupportRequest
from haven.support.policy import RequestFacts, SupporterFacts, Window, match_supporters
from haven.support.schemas import ExclusionReason, RequestStatus, RequestView

MONDAY_NOON = datetime(2026, 11, 23, 12, 0)  # a Monday
TODAY = MONDAY_NOON.date()
ALL_WEEK = tuple(Window(d, 0, 0) for d in range(7))
DEPT_A = uuid.uuid4()
DEPT_B = uuid.uuid4()


def supporter(name: str = "Sam", **overrides: object) -> SupporterFacts:
    base = SupporterFacts(
        supporter_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        display_name=name,
        department_id=DEPT_B,
        professions=("nurse",),
        languages=("en",),
        capacity=3,
        open_caseload=0,
        is_active=True,
        is_paused=False,
        training_completed_on=date(2026, 1, 1),
        training_expires_on=None,
        windows=ALL_WEEK,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def request(**overrides: object) -> RequestFacts:
    return replace(RequestFacts(requester_id=uuid.uuid4(), department_id=DEPT_A), **overrides)  # type: ignore[arg-type]


def reason_for(req: RequestFacts, sup: SupporterFacts) -> ExclusionReason | None:
    result = match_supporters(req, [sup], local_now=MONDAY_NOON, today=TODAY)
    return result.excluded[0].reason if result.excluded else None


def test_an_available_trained_supporter_is_eligible() -> None:
    assert reason_for(request(), supporter()) is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"is_active": False}, ExclusionReason.inactive),
        ({"is_paused": True}, ExclusionReason.paused),
        ({"training_completed_on": None}, ExclusionReason.not_trained),
        ({"training_expires_on": date(2026, 11, 22)}, ExclusionReason.training_expired),
        ({"open_caseload": 3}, ExclusionReason.at_capacity),
        ({"windows": ()}, ExclusionReason.off_call),
        ({"windows": (Window(0, 13 * 60, 17 * 60),)}, ExclusionReason.off_call),
    ],
)
def test_each_rule_excludes_with_its_reason(
    overrides: dict[str, object], reason: ExclusionReason
) -> None:
    assert reason_for(request(), supporter(**overrides)) == reason


def test_training_expiring_today_still_counts() -> None:
    assert reason_for(request(), supporter(training_expires_on=TODAY)) is None


def test_the_requester_is_never_their_own_supporter() -> None:
    sup = supporter()
    assert reason_for(request(requester_id=sup.user_id), sup) == ExclusionReason.is_requester


def test_same_department_is_excluded_only_when_asked() -> None:
    sup = supporter(department_id=DEPT_A)
    assert reason_for(request(), sup) is None
    assert reason_for(request(not_own_department=True), sup) == ExclusionReason.same_department


def test_staff_involved_in_the_event_are_excluded() -> None:
    sup = supporter()
    assert (
        reason_for(request(involved_ids=frozenset({sup.user_id})), sup)
        == ExclusionReason.involved_in_event
    )


def test_a_supporter_already_passed_over_is_not_offered_again() -> None:
    sup = supporter()
    assert (
        reason_for(request(passed_over_ids=frozenset({sup.user_id})), sup)
        == ExclusionReason.already_offered
    )


def test_preference_fit_ranks_before_caseload() -> None:
    busy_pharmacist = supporter("Busy", professions=("pharmacist",), open_caseload=2)
    idle_nurse = supporter("Idle", open_caseload=0)
    result = match_supporters(
        request(preferred_profession="pharmacist"),
        [idle_nurse, busy_pharmacist],
        local_now=MONDAY_NOON,
        today=TODAY,
    )
    assert [c.supporter.display_name for c in result.eligible] == ["Busy", "Idle"]
    assert [c.preference_fit for c in result.eligible] == [1, 0]


def test_lowest_open_caseload_wins_among_equal_fit() -> None:
    result = match_supporters(
        request(),
        [supporter("A", open_caseload=2), supporter("B", open_caseload=0)],
        local_now=MONDAY_NOON,
        today=TODAY,
    )
    assert result.best is not None and result.best.supporter.display_name == "B"


def test_a_language_matches_on_its_primary_subtag() -> None:
    result = match_supporters(
        request(preferred_language="fr-CA"),
        [supporter("English"), supporter("French", languages=("fr",), open_caseload=2)],
        local_now=MONDAY_NOON,
        today=TODAY,
    )
    assert result.best is not None and result.best.supporter.display_name == "French"


def test_no_eligible_supporter_gives_no_best() -> None:
    result = match_supporters(
        request(), [supporter(is_paused=True)], local_now=MONDAY_NOON, today=TODAY
    )
    assert result.best is None and len(result.excluded) == 1


def test_a_window_past_midnight_covers_the_next_morning() -> None:
    night = Window(weekday=0, start=22 * 60, end=6 * 60)  # Monday 22:00 to Tuesday 06:00
    assert night.covers(0, 23 * 60)
    assert night.covers(1, 5 * 60 + 59)
    assert not night.covers(1, 6 * 60)
    assert not night.covers(0, 21 * 60)


def test_a_day_window_is_half_open() -> None:
    day = Window(weekday=2, start=8 * 60, end=16 * 60)
    assert day.covers(2, 8 * 60) and not day.covers(2, 16 * 60) and not day.covers(3, 9 * 60)


def test_on_call_uses_the_local_time_given() -> None:
    windows = [Window.parse({"weekday": 0, "start": "11:30", "end": "12:30"})]
    assert policy.on_call_at(windows, MONDAY_NOON)
    assert not policy.on_call_at(windows, MONDAY_NOON + timedelta(hours=1))


def test_the_supporter_moves_a_request_forward() -> None:
    assert policy.allowed_transitions(RequestStatus.assigned, RequestView.supporter) == [
        RequestStatus.contacted
    ]
    assert RequestStatus.closed in policy.allowed_transitions(
        RequestStatus.active, RequestView.supporter
    )


def test_requester_and_coordinator_may_only_close() -> None:
    for view in (RequestView.requester, RequestView.coordinator):
        assert policy.allowed_transitions(RequestStatus.assigned, view) == [RequestStatus.closed]
        assert policy.allowed_transitions(RequestStatus.closed, view) == []


def _request(**fields: object) -> SupportRequest:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    base: dict[str, object] = {
        "kind": "for_self",
        "status": "assigned",
        "urgency": "urgent",
        "requester_id": uuid.uuid4(),
        "supporter_id": uuid.uuid4(),
        "week_start": date(2026, 11, 23),
        "created_at": now,
        "due_at": now + timedelta(minutes=30),
    }
    base.update(fields)
    return SupportRequest(**base)


def _person(*roles: str, user_id: uuid.UUID | None = None) -> Principal:
    return Principal(kind="user", id=user_id or uuid.uuid4(), roles=frozenset(roles))


def test_views_follow_the_wall() -> None:
    req = _request()
    assert policy.view_for(_person("staff", user_id=req.requester_id), req) is RequestView.requester
    assert (
        policy.view_for(_person("peer_supporter", user_id=req.supporter_id), req)
        is RequestView.supporter
    )
    assert policy.view_for(_person("support_coordinator"), req) is RequestView.coordinator
    for role in (
        "staff",
        "peer_supporter",
        "safety_officer",
        "department_lead",
        "admin",
        "auditor",
    ):
        assert policy.view_for(_person(role), req) is None


def test_api_keys_never_see_a_request() -> None:
    req = _request()
    key = Principal(kind="api_key", id=uuid.uuid4(), scopes=frozenset({"reports:read"}))
    assert policy.view_for(key, req) is None


def test_a_supporter_who_lost_the_role_no_longer_sees_the_request() -> None:
    req = _request()
    assert policy.view_for(_person("staff", user_id=req.supporter_id), req) is None


def test_overdue_means_past_due_without_first_contact() -> None:
    req = _request()
    assert not policy.is_overdue(req, req.due_at - timedelta(minutes=1))
    assert policy.is_overdue(req, req.due_at + timedelta(minutes=1))
    req.first_contact_at = req.created_at + timedelta(minutes=40)
    assert not policy.is_overdue(req, req.due_at + timedelta(minutes=1))


# --- hard rules win over soft ones, whatever the order ---------------------------------------

_HARD_FACTS: dict[ExclusionReason, Any] = {
    ExclusionReason.is_requester: lambda s: ({}, {"requester_id": s.user_id}),
    ExclusionReason.is_assigner: lambda s: ({}, {"assigner_id": s.user_id}),
    ExclusionReason.leads_department: lambda s: ({"led_department_id": DEPT_A}, {}),
    ExclusionReason.conflicting_roles: lambda s: ({"has_conflicting_roles": True}, {}),
    ExclusionReason.inactive: lambda s: ({"is_active": False}, {}),
    ExclusionReason.not_trained: lambda s: ({"training_completed_on": None}, {}),
    ExclusionReason.training_expired: lambda s: ({"training_expires_on": date(2026, 11, 22)}, {}),
    ExclusionReason.involved_in_event: lambda s: ({}, {"involved_ids": frozenset({s.user_id})}),
    ExclusionReason.same_department: lambda s: (
        {"department_id": DEPT_A},
        {"not_own_department": True},
    ),
}
_SOFT_FACTS: dict[ExclusionReason, Any] = {
    ExclusionReason.paused: lambda s: ({"is_paused": True}, {}),
    ExclusionReason.already_offered: lambda s: ({}, {"passed_over_ids": frozenset({s.user_id})}),
    ExclusionReason.is_coordinator: lambda s: ({"is_coordinator": True}, {}),
    ExclusionReason.at_capacity: lambda s: ({"open_caseload": 3}, {}),
    ExclusionReason.off_call: lambda s: ({"windows": ()}, {}),
}


def test_every_reason_is_either_hard_or_soft() -> None:
    assert set(_HARD_FACTS) | set(_SOFT_FACTS) == set(ExclusionReason)
    assert set(_SOFT_FACTS) == policy.SOFT_REASONS


@pytest.mark.parametrize("soft", list(_SOFT_FACTS), ids=str)
@pytest.mark.parametrize("hard", list(_HARD_FACTS), ids=str)
def test_a_hard_rule_wins_over_a_soft_one(hard: ExclusionReason, soft: ExclusionReason) -> None:
    base = supporter()
    sup_hard, req_hard = _HARD_FACTS[hard](base)
    sup_soft, req_soft = _SOFT_FACTS[soft](base)
    sup = replace(base, **sup_hard, **sup_soft)
    req = request(**req_hard, **req_soft)
    result = match_supporters(req, [sup], local_now=MONDAY_NOON, today=TODAY)
    (exclusion,) = result.excluded
    assert exclusion.reason == hard
    assert set(exclusion.reasons) == {hard, soft}
    assert not exclusion.overridable


@pytest.mark.parametrize("soft", list(_SOFT_FACTS), ids=str)
def test_soft_rules_alone_are_overridable(soft: ExclusionReason) -> None:
    base = supporter()
    sup_soft, req_soft = _SOFT_FACTS[soft](base)
    result = match_supporters(
        request(**req_soft), [replace(base, **sup_soft)], local_now=MONDAY_NOON, today=TODAY
    )
    (exclusion,) = result.excluded
    assert (exclusion.reasons, exclusion.overridable) == ((soft,), True)


def test_every_failed_rule_is_listed_hard_ones_first() -> None:
    sup = supporter(is_paused=True, training_completed_on=None, windows=(), open_caseload=9)
    req = request(involved_ids=frozenset({sup.user_id}))
    (exclusion,) = match_supporters(req, [sup], local_now=MONDAY_NOON, today=TODAY).excluded
    assert exclusion.reasons == (
        ExclusionReason.not_trained,
        ExclusionReason.involved_in_event,
        ExclusionReason.paused,
        ExclusionReason.at_capacity,
        ExclusionReason.off_call,
    )
