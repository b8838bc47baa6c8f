"""The separation of roles as pure rules (haven.auth.policy)."""

from __future__ import annotations

import itertools
import uuid

import pytest

from haven.auth import policy
from haven.auth.schemas import Role

WARD = uuid.uuid4()
OTHER = uuid.uuid4()


@pytest.mark.parametrize(
    ("identity", "support"),
    list(itertools.product(sorted(policy.IDENTITY_ROLES), sorted(policy.SUPPORT_ROLES))),
)
def test_every_identity_role_is_refused_with_every_support_role(
    identity: Role, support: Role
) -> None:
    assert policy.forbidden_pairs([identity, support, Role.staff]) == [(identity, support)]


def test_roles_of_one_side_go_together() -> None:
    assert policy.forbidden_pairs([*policy.IDENTITY_ROLES, Role.staff]) == []
    assert policy.forbidden_pairs([*policy.SUPPORT_ROLES, Role.staff]) == []


def test_adding_a_privileged_role_waits_and_the_rest_applies() -> None:
    change = policy.split_change(
        current=["staff", "auditor"],
        requested=["peer_supporter", "safety_officer"],
        department_before=None,
        department_after=None,
    )
    assert change.apply == {Role.peer_supporter}
    assert change.pending == {Role.safety_officer}


def test_keeping_a_privileged_role_needs_nobody() -> None:
    change = policy.split_change(
        current=["admin"], requested=["admin"], department_before=None, department_after=None
    )
    assert change.apply == {Role.admin} and change.pending == frozenset()


def test_moving_a_lead_is_a_new_lead_grant() -> None:
    change = policy.split_change(
        current=["department_lead", "staff"],
        requested=["department_lead", "staff"],
        department_before=WARD,
        department_after=OTHER,
    )
    assert change.apply == {Role.staff} and change.pending == {Role.department_lead}


@pytest.mark.parametrize(
    ("requested", "before", "after", "changes"),
    [
        (["admin"], None, None, False),
        (None, None, OTHER, False),
        (["admin", "staff"], None, None, True),
        ([], None, None, True),
    ],
)
def test_what_counts_as_changing_ones_own_roles(
    requested: list[str] | None, before: uuid.UUID | None, after: uuid.UUID | None, changes: bool
) -> None:
    me = uuid.uuid4()
    assert (
        policy.changes_own_roles(
            actor_id=me,
            user_id=me,
            current=["admin"],
            requested=requested,
            department_before=before,
            department_after=after,
        )
        is changes
    )


def test_a_lead_moving_their_own_department_changes_their_role() -> None:
    me = uuid.uuid4()
    assert policy.changes_own_roles(
        actor_id=me,
        user_id=me,
        current=["admin", "department_lead"],
        requested=None,
        department_before=WARD,
        department_after=OTHER,
    )
    assert not policy.changes_own_roles(
        actor_id=uuid.uuid4(),
        user_id=me,
        current=["admin"],
        requested=["admin", "safety_officer"],
        department_before=None,
        department_after=None,
    )
