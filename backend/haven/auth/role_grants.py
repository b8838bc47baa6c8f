"""Role grants: the two-administrator rule for privileged roles (DESIGN.md, "Separation of
roles"; described in :mod:`haven.auth`).

A user's create or update that adds a privileged role (or moves a lead to another department)
proposes a grant here; another administrator confirms or rejects it, the proposer may cancel
it, and the periodic job expires it. What applies at once and what waits is decided by the
pure rules in :mod:`haven.auth.policy`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from haven.auth import policy
from haven.auth.models import RoleGrant, User
from haven.auth.principals import forget_principal
from haven.auth.roles import (
    audit_roles,
    is_active_admin,
    require_allowed_roles,
    roles_of,
    set_roles,
)
from haven.auth.schemas import Role, RoleGrantRead, RoleGrantStatus
from haven.core import clock
from haven.core.errors import Conflict, Forbidden, NotFound, field_error
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.core.versioning import require_if_match

# How a grant single sign-on proposed names its proposer.
SINGLE_SIGN_ON_PROPOSER = "Single sign-on (the person's directory groups)"


class GrantPending(Conflict):
    type, title = "role-grant-pending", "A role grant is waiting for a second administrator"

    def __init__(self) -> None:
        super().__init__(
            "This person already has privileged roles waiting for a second administrator: "
            "confirm, reject or cancel that grant first.",
            errors=[field_error("roles", "A grant for this person is still pending.")],
        )


class GrantExpired(Conflict):
    type, title = "role-grant-expired", "The role grant has expired"
    commit_anyway = True  # the grant is marked expired (and audited) although the call fails

    def __init__(self) -> None:
        super().__init__("Nobody confirmed this grant in time; propose it again if still needed.")


def pending_grant(session: Session, user_id: uuid.UUID) -> RoleGrant | None:
    return session.exec(
        select(RoleGrant).where(
            col(RoleGrant.user_id) == user_id,
            col(RoleGrant.status) == RoleGrantStatus.pending.value,
            col(RoleGrant.expires_at) > clock.now(),
        )
    ).first()


def propose_grant(
    session: Session,
    actor: Principal | None,
    user: User,
    change: policy.RoleChange,
    *,
    proposer_id: uuid.UUID | None = None,
    by_single_sign_on: bool = False,
) -> RoleGrant:
    """Record the privileged roles of ``change`` as a pending grant. The proposer (who may
    never confirm it) is the acting administrator, or ``proposer_id`` when the change comes
    from a directory acting for one (a SCIM client: the creator of its key; see
    :mod:`haven.auth.directory`), or nobody when single sign-on proposes it at a first
    sign-in (``by_single_sign_on``; :mod:`haven.auth.identities`); ``actor`` is who the audit
    log names."""
    proposer = proposer_id if proposer_id is not None else actor.id if actor else None
    if proposer is None and not by_single_sign_on:
        raise ValueError("a role grant needs the administrator who proposes it")
    now = clock.now()
    grant = RoleGrant(
        user_id=user.id,
        roles=policy.sorted_roles(change.pending),
        department_id=user.department_id if Role.department_lead in change.pending else None,
        status=RoleGrantStatus.pending.value,
        proposed_by_id=proposer,
        created_at=now,
        expires_at=now + timedelta(days=get_settings().auth.role_grant_days),
    )
    session.add(grant)
    session.flush()
    held = [r.value for r in change.apply]
    audit_roles(
        session, actor, "user.role_grant_proposed", user.id, before=held, after=held, grant=grant
    )
    return grant


def grant_reads(session: Session, grants: Sequence[RoleGrant]) -> list[RoleGrantRead]:
    ids = {g.user_id for g in grants} | {g.proposed_by_id for g in grants if g.proposed_by_id}
    names: dict[uuid.UUID, str] = dict(
        session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all()
    )
    return [
        RoleGrantRead(
            id=g.id,
            user_id=g.user_id,
            user_display_name=names.get(g.user_id, ""),
            roles=sorted(Role(r) for r in g.roles),
            department_id=g.department_id,
            status=RoleGrantStatus(g.status),
            proposed_by_id=g.proposed_by_id,
            proposed_by_name=(
                names.get(g.proposed_by_id, "")
                if g.proposed_by_id is not None
                else SINGLE_SIGN_ON_PROPOSER
            ),
            created_at=g.created_at,
            expires_at=g.expires_at,
            decided_by_id=g.decided_by_id,
            decided_at=g.decided_at,
            version=g.version,
        )
        for g in grants
    ]


def list_role_grants(
    session: Session,
    *,
    params: PageParams,
    status: RoleGrantStatus | None = RoleGrantStatus.pending,
    user_id: uuid.UUID | None = None,
) -> tuple[list[RoleGrantRead], str | None]:
    """Grants, newest first; ``pending`` lists only those still open to confirmation."""
    stmt = select(RoleGrant)
    if status is not None:
        stmt = stmt.where(col(RoleGrant.status) == status.value)
    if status is RoleGrantStatus.pending:
        stmt = stmt.where(col(RoleGrant.expires_at) > clock.now())
    if user_id is not None:
        stmt = stmt.where(col(RoleGrant.user_id) == user_id)
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(RoleGrant.created_at), col(RoleGrant.id)],
        params=params,
        descending=True,
    )
    return grant_reads(session, rows), cursor


def _load_grant(session: Session, grant_id: uuid.UUID) -> RoleGrant:
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound("No such role grant.")
    return grant


def get_role_grant(session: Session, grant_id: uuid.UUID) -> RoleGrantRead:
    return grant_reads(session, [_load_grant(session, grant_id)])[0]


def _decide(
    session: Session,
    actor: Principal | None,
    grant: RoleGrant,
    status: RoleGrantStatus,
    *,
    before: Iterable[str],
    after: Iterable[str],
) -> None:
    grant.status = status.value
    grant.decided_at = clock.now()
    grant.decided_by_id = actor.id if actor is not None else None
    session.add(grant)
    session.flush()
    audit_roles(
        session,
        actor,
        f"user.role_grant_{status.value}",
        grant.user_id,
        before=before,
        after=after,
        grant=grant,
    )


def _open_grant(session: Session, grant_id: uuid.UUID, if_match: str | None) -> RoleGrant:
    grant = _load_grant(session, grant_id)
    require_if_match(if_match, grant.version)
    if grant.status != RoleGrantStatus.pending.value:
        raise Conflict(f"This grant is already {grant.status}.")
    if grant.expires_at <= clock.now():
        held = roles_of(session, grant.user_id)
        _decide(session, None, grant, RoleGrantStatus.expired, before=held, after=held)
        raise GrantExpired()
    return grant


def confirm_role_grant(
    session: Session, actor: Principal, *, grant_id: uuid.UUID, if_match: str | None
) -> RoleGrantRead:
    """The second administrator confirms: every rule is checked again against the account
    as it is now, and only then do the roles take effect."""
    grant = _open_grant(session, grant_id, if_match)
    if actor.id == grant.proposed_by_id:
        raise Forbidden("You proposed this grant: another administrator confirms it.")
    if actor.id == grant.user_id:
        raise Forbidden("Nobody confirms roles for their own account.")
    if not is_active_admin(session, actor.id):
        raise Forbidden("Only an active administrator confirms a grant.")
    if grant.proposed_by_id is not None and not is_active_admin(session, grant.proposed_by_id):
        raise Conflict("The administrator who proposed this no longer holds the role: reject it.")
    user = session.get(User, grant.user_id)
    if user is None or not user.is_active:
        raise Conflict("This person is deactivated: reject the grant.")
    if grant.department_id is not None and user.department_id != grant.department_id:
        raise Conflict(
            "This person's department has changed since the grant was proposed: reject it "
            "and propose it again."
        )
    before = roles_of(session, user.id)
    after = {Role(r) for r in before} | {Role(r) for r in grant.roles}
    require_allowed_roles(r.value for r in after)
    set_roles(session, user.id, after)
    user.updated_at = clock.now()
    session.add(user)
    _decide(session, actor, grant, RoleGrantStatus.confirmed, before=before, after=after)
    forget_principal(user.id)
    return grant_reads(session, [grant])[0]


def reject_role_grant(
    session: Session, actor: Principal, *, grant_id: uuid.UUID, if_match: str | None
) -> RoleGrantRead:
    grant = _open_grant(session, grant_id, if_match)
    if actor.id == grant.proposed_by_id:
        raise Forbidden("You proposed this grant: cancel it instead.")
    held = roles_of(session, grant.user_id)
    _decide(session, actor, grant, RoleGrantStatus.rejected, before=held, after=held)
    return grant_reads(session, [grant])[0]


def cancel_role_grant(
    session: Session, actor: Principal, *, grant_id: uuid.UUID, if_match: str | None
) -> RoleGrantRead:
    grant = _open_grant(session, grant_id, if_match)
    if actor.id != grant.proposed_by_id:
        raise Forbidden("Only the administrator who proposed a grant cancels it; reject it.")
    held = roles_of(session, grant.user_id)
    _decide(session, actor, grant, RoleGrantStatus.cancelled, before=held, after=held)
    return grant_reads(session, [grant])[0]


def withdraw_role_grant(session: Session, grant: RoleGrant) -> None:
    """The pending grant is no longer asked for (a directory took the person out of the group
    that asked for it): cancelled by the system, audited like any other cancellation."""
    held = roles_of(session, grant.user_id)
    _decide(session, None, grant, RoleGrantStatus.cancelled, before=held, after=held)


def expire_role_grants(session: Session) -> int:
    """Periodic job: pending grants past their expiry become ``expired`` (audited)."""
    rows = session.exec(
        select(RoleGrant)
        .where(
            col(RoleGrant.status) == RoleGrantStatus.pending.value,
            col(RoleGrant.expires_at) <= clock.now(),
        )
        .order_by(col(RoleGrant.expires_at))
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    for grant in rows:
        held = roles_of(session, grant.user_id)
        _decide(session, None, grant, RoleGrantStatus.expired, before=held, after=held)
    return len(rows)
