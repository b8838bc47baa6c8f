"""Changing people for a directory: create, change, delete (softly). The rules are described
in :mod:`haven.auth.directory`; the groups that give roles are in
:mod:`haven.auth.directory_groups`, which changes roles through :func:`change_account`.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from haven.auth import policy
from haven.auth.directory import (
    KEEP,
    AccountChange,
    AccountFields,
    DirectoryActor,
    Keep,
    LeadWithoutDepartment,
    NoProposer,
    Outcome,
    accounts_of,
    load_visible,
)
from haven.auth.models import DirectoryGroupMember, RoleGrant, User
from haven.auth.principals import forget_principal
from haven.auth.role_grants import GrantPending, pending_grant, propose_grant
from haven.auth.roles import (
    OwnRolesRefused,
    audit_roles,
    require_allowed_roles,
    roles_of,
    set_roles,
)
from haven.auth.schemas import Role
from haven.auth.sessions import end_sessions
from haven.auth.users import normalise_email
from haven.core import audit, clock
from haven.core.errors import Conflict, field_error


def _taken(
    session: Session,
    *,
    email: str | None,
    external_id: str | None,
    user_name: str | None,
    except_id: uuid.UUID | None,
) -> None:
    """Refuse (409) a key another account holds: the email (a directory-deleted account's
    too), the external id, or the user name (compared without case, also with the emails of
    accounts that have none, since those answer to their email)."""
    others = select(User).where(col(User.id) != except_id) if except_id else select(User)
    if email is not None:
        holder = session.exec(others.where(col(User.email) == email)).first()
        if holder is not None:
            detail = (
                "A deleted account holds this email: an administrator reactivates it (the "
                "same person) or changes its email (someone else)."
                if holder.deprovisioned_at is not None
                else "Another account has this email."
            )
            raise Conflict(detail, errors=[field_error("email", "Already in use.")])
    if (
        external_id is not None
        and session.exec(others.where(col(User.external_id) == external_id)).first()
    ):
        raise Conflict(
            "Another account has this external id.",
            errors=[field_error("external_id", "Already in use.")],
        )
    if user_name is not None:
        folded = user_name.lower()
        clash = others.where(
            sa.or_(
                sa.func.lower(col(User.user_name)) == folded,
                sa.and_(
                    col(User.user_name).is_(None), col(User.email) == normalise_email(user_name)
                ),
            )
        )
        if session.exec(clash).first():
            raise Conflict(
                "Another account has this user name.",
                errors=[field_error("user_name", "Already in use.")],
            )


def _propose(
    session: Session,
    actor: DirectoryActor,
    user: User,
    change: policy.RoleChange,
) -> RoleGrant | None:
    if not change.pending:
        return None
    if actor.proposer_id is None:
        raise NoProposer()
    return propose_grant(session, actor.principal, user, change, proposer_id=actor.proposer_id)


def create_account(session: Session, actor: DirectoryActor, *, fields: AccountFields) -> Outcome:
    """A new account as the directory describes it; privileged roles wait in a grant."""
    email = normalise_email(fields.email)
    _taken(
        session,
        email=email,
        external_id=fields.external_id,
        user_name=fields.user_name,
        except_id=None,
    )
    requested = frozenset(fields.roles)
    require_allowed_roles(r.value for r in requested)
    if Role.department_lead in requested and fields.department_id is None:
        raise LeadWithoutDepartment()
    change = policy.split_change(
        current=(),
        requested=(r.value for r in requested),
        department_before=fields.department_id,
        department_after=fields.department_id,
    )
    if change.pending and actor.proposer_id is None:
        raise NoProposer()
    now = clock.now()
    user = User(
        email=email,
        display_name=fields.display_name,
        external_id=fields.external_id,
        user_name=fields.user_name,
        department_id=fields.department_id,
        directory_department=fields.directory_department,
        profession=fields.profession.value,
        is_active=fields.is_active,
        password_hash=None,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    set_roles(session, user.id, change.apply)
    audit_roles(session, actor.principal, "user.created", user.id, before=(), after=change.apply)
    grant = _propose(session, actor, user, change)
    return Outcome(accounts_of(session, [user])[0], True, grant.id if grant else None)


def _requested_roles(
    session: Session,
    actor: DirectoryActor,
    user: User,
    change: AccountChange,
    department_after: uuid.UUID | None,
) -> tuple[list[str], policy.RoleChange, RoleGrant | None]:
    current = roles_of(session, user.id)
    requested = [r.value for r in change.roles] if not isinstance(change.roles, Keep) else current
    if actor.self_id is not None and policy.changes_own_roles(
        actor_id=actor.self_id,
        user_id=user.id,
        current=current,
        requested=requested,
        department_before=user.department_id,
        department_after=department_after,
    ):
        raise OwnRolesRefused()
    split = policy.split_change(
        current=current,
        requested=requested,
        department_before=user.department_id,
        department_after=department_after,
    )
    waiting = pending_grant(session, user.id)
    if waiting is not None and split.pending:
        already = {Role(r) for r in waiting.roles}
        moves_lead = waiting.department_id != department_after
        if split.pending <= already and not (Role.department_lead in split.pending and moves_lead):
            # Asked for again (a directory re-sending a membership): still waiting.
            split = policy.RoleChange(apply=split.apply, pending=frozenset())
        else:
            raise GrantPending()
    if set(split.requested) != {Role(r) for r in current}:
        require_allowed_roles(
            [r.value for r in split.requested] + (waiting.roles if waiting else []),
            with_pending=waiting is not None,
        )
    if Role.department_lead in split.requested and department_after is None:
        raise LeadWithoutDepartment()
    if split.pending and actor.proposer_id is None:
        raise NoProposer()
    return current, split, waiting


def change_account(
    session: Session, actor: DirectoryActor, *, user_id: uuid.UUID, change: AccountChange
) -> Outcome:
    """Apply what the directory says about an account; ``changed`` tells whether anything
    did change."""
    user = load_visible(session, user_id)
    email = normalise_email(change.email) if isinstance(change.email, str) else None
    _taken(
        session,
        email=email if email is not None and email != user.email else None,
        external_id=change.external_id
        if isinstance(change.external_id, str) and change.external_id != user.external_id
        else None,
        user_name=change.user_name
        if isinstance(change.user_name, str)
        and (change.user_name.lower() != (user.user_name or user.email).lower())
        else None,
        except_id=user.id,
    )
    department_after = user.department_id if change.department_id is KEEP else change.department_id
    assert not isinstance(department_after, Keep)
    current, split, _ = _requested_roles(session, actor, user, change, department_after)

    fields: dict[str, object] = {}
    if email is not None:
        fields["email"] = email
    for name in ("display_name", "external_id", "user_name", "directory_department"):
        value = getattr(change, name)
        if value is not KEEP:
            fields[name] = value
    if change.department_id is not KEEP:
        fields["department_id"] = change.department_id
    if change.profession is not KEEP:
        fields["profession"] = change.profession.value  # type: ignore[union-attr]
    if change.is_active is not KEEP:
        fields["is_active"] = change.is_active
    edits = {k: v for k, v in fields.items() if getattr(user, k) != v}
    roles_changed = set(split.apply) != {Role(r) for r in current}
    if not edits and not roles_changed and not split.pending:
        return Outcome(accounts_of(session, [user])[0], False)

    deactivated = edits.get("is_active") is False
    for name, value in edits.items():
        setattr(user, name, value)
    if edits:
        user.updated_at = clock.now()
        session.add(user)
        session.flush()
    if roles_changed:
        set_roles(session, user.id, split.apply)
        audit_roles(
            session,
            actor.principal,
            "user.roles_changed",
            user.id,
            before=current,
            after=split.apply,
        )
    if deactivated:
        end_sessions(session, user.id)
    grant = _propose(session, actor, user, split)
    if edits:
        audit.record_event(
            session,
            actor.principal,
            action="user.updated",
            object_type="user",
            object_id=user.id,
            detail={"fields": sorted(edits)},
        )
    forget_principal(user.id)
    return Outcome(accounts_of(session, [user])[0], True, grant.id if grant else None)


def deprovision_account(session: Session, actor: DirectoryActor, *, user_id: uuid.UUID) -> None:
    """The directory deleted the person: deactivate (sessions ended), drop roles and group
    memberships, unlink, hide from SCIM. Never removed (see :mod:`haven.auth.directory`)."""
    user = load_visible(session, user_id)
    held = roles_of(session, user.id)
    user.is_active = False
    user.external_id = None
    user.user_name = None
    user.deprovisioned_at = clock.now()
    user.updated_at = user.deprovisioned_at
    session.add(user)
    session.flush()
    if held:
        set_roles(session, user.id, ())
        audit_roles(session, actor.principal, "user.roles_changed", user.id, before=held, after=())
    session.exec(delete(DirectoryGroupMember).where(col(DirectoryGroupMember.user_id) == user.id))
    end_sessions(session, user.id)
    audit.record_event(
        session, actor.principal, action="user.deprovisioned", object_type="user", object_id=user.id
    )
    forget_principal(user.id)
