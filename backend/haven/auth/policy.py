"""Pure rules of the separation of roles (DESIGN.md, "Separation of roles").

Nothing here touches the database: :mod:`haven.auth.roles`, :mod:`haven.auth.users`,
:mod:`haven.auth.role_grants` and :mod:`haven.auth.api_keys` load the facts and apply these,
and other domains reach them through :mod:`haven.auth.service`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from haven.auth.schemas import Role, Scope
from haven.core.security import Principal

# Roles that read identified reports or manage people: none of them may sit on one account
# with a role of the peer-support program, or what is said in support could reach the
# people who investigate, manage, or administer the accounts that see it.
IDENTITY_ROLES: frozenset[Role] = frozenset(
    {Role.safety_officer, Role.department_lead, Role.admin, Role.auditor}
)
SUPPORT_ROLES: frozenset[Role] = frozenset({Role.support_coordinator, Role.peer_supporter})
# Adding one of these needs a second administrator's confirmation; removing any role, and
# granting staff or peer_supporter, applies at once.
PRIVILEGED_ROLES: frozenset[Role] = frozenset(
    {Role.admin, Role.auditor, Role.safety_officer, Role.support_coordinator, Role.department_lead}
)


# API-key scopes that read content (reports, and reports as FHIR resources): a key holding
# one would let a single administrator read what no administrator may, so it works only once
# a second administrator confirms it. Write-only scopes apply at once.
CONTENT_SCOPES: frozenset[Scope] = frozenset({Scope.reports_read, Scope.fhir_read})
# API-key scopes that manage people: a SCIM client creates, changes and deactivates accounts
# (every administrator's too) and proposes privileged roles, so one administrator alone must
# not be able to make one either.
PEOPLE_SCOPES: frozenset[Scope] = frozenset({Scope.scim})
SECOND_ADMIN_SCOPES: frozenset[Scope] = CONTENT_SCOPES | PEOPLE_SCOPES


def key_needs_second_admin(scopes: Iterable[str]) -> bool:
    """True when an API key with these scopes waits for a second administrator."""
    return any(Scope(s) in SECOND_ADMIN_SCOPES for s in scopes)


def _as_roles(roles: Iterable[str]) -> set[Role]:
    return {Role(r) for r in roles}


def forbidden_pairs(roles: Iterable[str]) -> list[tuple[Role, Role]]:
    """Every (identity role, support role) pair the set holds; empty when it is allowed."""
    held = _as_roles(roles)
    return [
        (identity, support)
        for identity in sorted(held & IDENTITY_ROLES)
        for support in sorted(held & SUPPORT_ROLES)
    ]


def combination_message(pairs: list[tuple[Role, Role]]) -> str:
    named = "; ".join(f"{a.value} with {b.value}" for a, b in pairs)
    return (
        f"Not allowed together: {named}. A role that reads identified reports or manages "
        "people cannot be held with support_coordinator or peer_supporter."
    )


@dataclass(frozen=True)
class RoleChange:
    """What a requested change of roles (and department) does: ``apply`` is the set of roles
    the account holds at once; ``pending`` the privileged roles that wait for a second admin."""

    apply: frozenset[Role]
    pending: frozenset[Role]

    @property
    def requested(self) -> frozenset[Role]:
        return self.apply | self.pending


def split_change(
    *,
    current: Iterable[str],
    requested: Iterable[str],
    department_before: uuid.UUID | None,
    department_after: uuid.UUID | None,
) -> RoleChange:
    """Split a change into what applies now and what needs a second admin.

    A department lead's department is part of the role (a lead reads their department's
    reports), so moving a lead to another department is a new grant of department_lead:
    the lead role stops at once and leading the new department waits for confirmation.
    """
    now = _as_roles(current)
    wanted = _as_roles(requested)
    pending = (wanted - now) & PRIVILEGED_ROLES
    if (
        Role.department_lead in wanted
        and Role.department_lead in now
        and department_before != department_after
    ):
        pending.add(Role.department_lead)
    return RoleChange(apply=frozenset(wanted - pending), pending=frozenset(pending))


def changes_own_roles(
    *,
    actor_id: uuid.UUID,
    user_id: uuid.UUID,
    current: Iterable[str],
    requested: Iterable[str] | None,
    department_before: uuid.UUID | None,
    department_after: uuid.UUID | None,
) -> bool:
    """True when a person would change their own roles (or, as a lead, their department)."""
    if actor_id != user_id:
        return False
    held = _as_roles(current)
    if requested is not None and _as_roles(requested) != held:
        return True
    return Role.department_lead in held and department_before != department_after


def sorted_roles(roles: Iterable[str]) -> list[str]:
    """Roles as audit details list them: plain strings, sorted."""
    return sorted(str(Role(r).value) for r in roles)


# --- role predicates other domains' policies share ------------------------------------------


def is_safety_officer(principal: Principal) -> bool:
    return principal.has_role(Role.safety_officer)


def leads_department(principal: Principal, department_id: uuid.UUID | None) -> bool:
    """Whether the caller is a department lead of this department (never of no department)."""
    return (
        department_id is not None
        and principal.has_role(Role.department_lead)
        and principal.department_id == department_id
    )
