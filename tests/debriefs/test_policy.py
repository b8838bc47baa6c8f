"""Pure rules: the RCA² hierarchy, who schedules and runs what, the workflows."""

from __future__ import annotations

import uuid

import pytest

from haven.auth.schemas import Role
from haven.core.security import Principal
from haven.debriefs import policy
from haven.debriefs.policy import DebriefFacts
from haven.debriefs.schemas import (
    ActionCategory,
    ActionStatus,
    ActionStrength,
    DebriefKind,
    DebriefStatus,
)

WARD = uuid.uuid4()
OTHER = uuid.uuid4()


def person(*roles: Role, department: uuid.UUID | None = None) -> Principal:
    return Principal(
        kind="user",
        id=uuid.uuid4(),
        roles=frozenset(r.value for r in roles),
        department_id=department,
    )


def facts(
    kind: DebriefKind = DebriefKind.hot, facilitator: uuid.UUID | None = None
) -> DebriefFacts:
    return DebriefFacts(department_id=WARD, facilitator_id=facilitator or uuid.uuid4(), kind=kind)


def test_every_category_has_a_strength_and_an_example() -> None:
    assert set(policy.HIERARCHY) == set(ActionCategory)
    assert all(info.label and info.example for info in policy.HIERARCHY.values())


def test_the_hierarchy_has_the_rca2_tiers() -> None:
    tiers = {
        s: sorted(c.value for c, i in policy.HIERARCHY.items() if i.strength == s)
        for s in ActionStrength
    }
    assert tiers[ActionStrength.stronger] == [
        "architectural_change",
        "forcing_function",
        "simplify_process",
        "standardize_equipment_or_process",
        "tangible_leadership_involvement",
    ]
    assert "double_check" in tiers[ActionStrength.weaker]
    assert "training" in tiers[ActionStrength.weaker]
    assert "new_policy_or_procedure" in tiers[ActionStrength.weaker]
    assert "checklist_or_cognitive_aid" in tiers[ActionStrength.intermediate]
    assert "simulation_training" in tiers[ActionStrength.intermediate]


@pytest.mark.parametrize(
    ("who", "kind", "department", "allowed"),
    [
        (person(Role.safety_officer), DebriefKind.cold, OTHER, True),
        (person(Role.department_lead, department=WARD), DebriefKind.hot, WARD, True),
        (person(Role.department_lead, department=WARD), DebriefKind.hot, OTHER, False),
        (person(Role.department_lead), DebriefKind.hot, WARD, False),
        (person(Role.support_coordinator), DebriefKind.open_forum, OTHER, True),
        (person(Role.support_coordinator), DebriefKind.huddle, OTHER, False),
        (person(Role.staff, department=WARD), DebriefKind.huddle, WARD, False),
        (person(Role.peer_supporter), DebriefKind.open_forum, WARD, False),
        (person(Role.admin), DebriefKind.open_forum, WARD, False),
    ],
)
def test_who_may_schedule(
    who: Principal, kind: DebriefKind, department: uuid.UUID, allowed: bool
) -> None:
    assert policy.may_schedule(who, kind, department) is allowed


def test_the_facilitator_runs_their_debrief_whatever_their_role() -> None:
    facilitator = person(Role.staff)
    assert policy.may_run(facilitator, facts(facilitator=facilitator.id))
    assert not policy.may_run(person(Role.staff), facts(facilitator=facilitator.id))


def test_a_coordinator_runs_open_forums_only() -> None:
    coordinator = person(Role.support_coordinator)
    assert policy.may_run(coordinator, facts(DebriefKind.open_forum))
    assert not policy.may_run(coordinator, facts(DebriefKind.cold))


def test_a_lead_runs_only_their_departments_debriefs() -> None:
    assert policy.may_run(person(Role.department_lead, department=WARD), facts())
    assert not policy.may_run(person(Role.department_lead, department=OTHER), facts())


def test_a_participant_reads_but_does_not_run() -> None:
    guest = person(Role.staff)
    assert policy.may_read(guest, facts(), is_participant=True)
    assert not policy.may_run(guest, facts())
    assert not policy.may_read(guest, facts(), is_participant=False)


def test_a_service_account_neither_reads_nor_runs() -> None:
    key = Principal(kind="api_key", id=uuid.uuid4(), scopes=frozenset({"reports:read"}))
    assert not policy.may_read(key, facts(), is_participant=True)
    assert not policy.may_manage_action(key, WARD, None)


def test_a_debrief_is_cancelled_only_before_it_is_held() -> None:
    cancellable = {s for s, nexts in policy.TRANSITIONS.items() if DebriefStatus.cancelled in nexts}
    assert cancellable == {DebriefStatus.scheduled}


def test_the_workflow_is_a_line() -> None:
    assert policy.allowed_transitions(DebriefStatus.held) == [DebriefStatus.summarized]
    assert policy.allowed_transitions(DebriefStatus.summarized) == [DebriefStatus.closed]
    assert policy.allowed_transitions(DebriefStatus.closed) == []


def test_the_owner_may_not_verify_their_own_action() -> None:
    owner = person(Role.staff)
    nexts = policy.statuses_for(owner, status=ActionStatus.done, owner_id=owner.id, manages=False)
    assert nexts == [ActionStatus.in_progress]
    managed = policy.statuses_for(owner, status=ActionStatus.done, owner_id=owner.id, manages=True)
    assert ActionStatus.verified in managed


def test_someone_else_may_not_move_an_action() -> None:
    assert (
        policy.statuses_for(
            person(Role.staff), status=ActionStatus.open, owner_id=uuid.uuid4(), manages=False
        )
        == []
    )


def test_verified_is_final() -> None:
    assert policy.ACTION_TRANSITIONS[ActionStatus.verified] == frozenset()


def test_whoever_runs_the_debrief_manages_its_actions() -> None:
    facilitator = person(Role.staff)
    assert policy.may_manage_action(facilitator, WARD, facts(facilitator=facilitator.id))
    assert not policy.may_manage_action(facilitator, WARD, None)
    assert policy.may_manage_action(person(Role.department_lead, department=WARD), WARD, None)
