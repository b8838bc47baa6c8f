"""The roles a person holds: read and written here, checked against the separation of roles
(:mod:`haven.auth.policy` holds the pure rules), and audited on the person.

Users (:mod:`haven.auth.users`) and role grants (:mod:`haven.auth.role_grants`) both change
roles through these functions, so the audit row's shape and the refusals are the same for both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from haven.auth import policy
from haven.auth.models import RoleGrant, User, UserRole
from haven.auth.schemas import Role
from haven.core import audit
from haven.core.errors import Forbidden, Unprocessable, field_error
from haven.core.security import Principal


def roles_of(session: Session, user_id: uuid.UUID) -> list[str]:
    return list(session.exec(select(UserRole.role).where(col(UserRole.user_id) == user_id)).all())


def set_roles(session: Session, user_id: uuid.UUID, roles: Iterable[Role]) -> None:
    session.exec(delete(UserRole).where(col(UserRole.user_id) == user_id))
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user_id, role=role.value))


def is_active_admin(session: Session, user_id: uuid.UUID) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.is_active and Role.admin.value in roles_of(session, user_id)


# --- separation of roles (DESIGN.md; the pure rules are in haven.auth.policy) ---------------


class OwnRolesRefused(Forbidden):
    type, title = "own-roles", "You cannot change your own roles"

    def __init__(self) -> None:
        super().__init__(
            "Nobody changes their own roles (nor, as a department lead, their own "
            "department); another administrator does.",
            errors=[field_error("roles", "Another administrator changes your roles.")],
        )


class RoleCombinationRefused(Unprocessable):
    type, title = "role-combination", "These roles cannot be held together"

    def __init__(self, pairs: list[tuple[Role, Role]], *, with_pending: bool = False) -> None:
        message = policy.combination_message(pairs)
        if with_pending:
            message += " (Counting the roles that wait for a second administrator.)"
        super().__init__(message, errors=[field_error("roles", message)])


def conflicting_role_pairs(roles: Iterable[str]) -> list[tuple[Role, Role]]:
    """The pairs of roles the separation of roles forbids on one account (empty if none)."""
    return policy.forbidden_pairs(roles)


def require_allowed_roles(roles: Iterable[str], *, with_pending: bool = False) -> None:
    pairs = policy.forbidden_pairs(roles)
    if pairs:
        raise RoleCombinationRefused(pairs, with_pending=with_pending)


def audit_roles(
    session: Session,
    actor: Principal | None,
    action: str,
    user_id: uuid.UUID,
    *,
    before: Iterable[str],
    after: Iterable[str],
    grant: RoleGrant | None = None,
) -> None:
    detail: dict[str, object] = {
        "roles_before": policy.sorted_roles(before),
        "roles_after": policy.sorted_roles(after),
    }
    if grant is not None:
        detail["grant_id"] = str(grant.id)
        detail["grant_roles"] = policy.sorted_roles(grant.roles)
        if grant.department_id is not None:
            detail["grant_department_id"] = str(grant.department_id)
    audit.record_event(
        session, actor, action=action, object_type="user", object_id=user_id, detail=detail
    )


@dataclass(frozen=True)
class RoleViolation:
    """An account whose roles break a rule that did not exist (or was not enforced) when
    they were given: found by ``haven users check-roles``."""

    user_id: uuid.UUID
    email: str
    display_name: str
    is_active: bool
    roles: list[str]
    rule: str
    message: str


def role_violations(session: Session) -> list[RoleViolation]:
    """Every account (active or not: one may be reactivated) that holds a forbidden
    combination, or the department_lead role without a department to lead."""
    roles: dict[uuid.UUID, set[str]] = {}
    for user_id, role_name in session.execute(
        sa.select(col(UserRole.user_id), col(UserRole.role))
    ).all():
        roles.setdefault(user_id, set()).add(role_name)
    users = session.exec(select(User).order_by(col(User.email))).all()
    found: list[RoleViolation] = []
    for user in users:
        held = roles.get(user.id, set())
        pairs = policy.forbidden_pairs(held)
        problems: list[tuple[str, str]] = []
        if pairs:
            problems.append(("forbidden_combination", policy.combination_message(pairs)))
        if Role.department_lead.value in held and user.department_id is None:
            problems.append(("lead_without_department", "department_lead without a department."))
        for rule, message in problems:
            found.append(
                RoleViolation(
                    user.id,
                    user.email,
                    user.display_name,
                    user.is_active,
                    policy.sorted_roles(held),
                    rule,
                    message,
                )
            )
    return found
