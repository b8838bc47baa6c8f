"""Users: create, read, list and change people, and the look-ups other domains make.

Role changes in a create or update follow the separation of roles (see :mod:`haven.auth`):
what applies at once is written through :mod:`haven.auth.roles`, privileged roles become a
grant in :mod:`haven.auth.role_grants`. People are deactivated, never deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth import policy
from haven.auth.models import User, UserRole
from haven.auth.principals import forget_principal
from haven.auth.role_grants import GrantPending, grant_reads, pending_grant, propose_grant
from haven.auth.roles import (
    OwnRolesRefused,
    audit_roles,
    require_allowed_roles,
    roles_of,
    set_roles,
)
from haven.auth.schemas import (
    Profession,
    Role,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
    UserUpdated,
)
from haven.auth.sessions import end_sessions
from haven.core import audit, clock
from haven.core.errors import Conflict, NotFound, field_error
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal, hash_password, new_secret
from haven.core.versioning import require_if_match


def normalise_email(email: str) -> str:
    """An email as it is stored and compared: trimmed, lower case."""
    return email.strip().lower()


def _to_read(user: User, roles: Iterable[str]) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(Role(r) for r in roles),
        department_id=user.department_id,
        profession=Profession(user.profession),
        is_active=user.is_active,
        version=user.version,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def _email_taken(session: Session, email: str, *, except_id: uuid.UUID | None = None) -> bool:
    stmt = select(User.id).where(col(User.email) == email)
    if except_id is not None:
        stmt = stmt.where(col(User.id) != except_id)
    return session.exec(stmt).first() is not None


def create_user(session: Session, actor: Principal | None, *, data: UserCreate) -> UserCreated:
    """Create a person. Through the API (``actor`` an admin) privileged roles wait for a
    second admin; with ``actor`` None (the operator's command line, which needs the
    database's credentials anyway, and the demo seed) every role applies at once. Forbidden
    combinations are refused either way."""
    email = normalise_email(str(data.email))
    if _email_taken(session, email):
        raise Conflict(
            "A user with this email already exists.",
            errors=[field_error("email", "Already in use.")],
        )
    require_allowed_roles(r.value for r in data.roles)
    if actor is None:
        change = policy.RoleChange(apply=frozenset(data.roles), pending=frozenset())
    else:
        change = policy.split_change(
            current=(),
            requested=(r.value for r in data.roles),
            department_before=data.department_id,
            department_after=data.department_id,
        )
    generated = data.password is None
    password = data.password or new_secret(12)
    now = clock.now()
    user = User(
        email=email,
        display_name=data.display_name,
        department_id=data.department_id,
        profession=data.profession.value,
        password_hash=hash_password(password),
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    set_roles(session, user.id, change.apply)
    audit_roles(session, actor, "user.created", user.id, before=(), after=change.apply)
    grant = (
        propose_grant(session, actor, user, change)
        if actor is not None and change.pending
        else None
    )
    read = _to_read(user, [r.value for r in change.apply])
    return UserCreated(
        **read.model_dump(),
        initial_password=password if generated else None,
        pending_grant=grant_reads(session, [grant])[0] if grant is not None else None,
    )


def get_user(session: Session, user_id: uuid.UUID) -> UserRead:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return _to_read(user, roles_of(session, user.id))


def list_users(
    session: Session,
    *,
    params: PageParams,
    department_id: uuid.UUID | None = None,
    role: Role | None = None,
    include_inactive: bool = False,
    user_ids: Iterable[uuid.UUID] | None = None,
) -> tuple[list[UserRead], str | None]:
    stmt = select(User)
    if department_id is not None:
        stmt = stmt.where(col(User.department_id) == department_id)
    if role is not None:
        stmt = stmt.where(
            col(User.id).in_(select(UserRole.user_id).where(col(UserRole.role) == role.value))
        )
    if not include_inactive:
        stmt = stmt.where(col(User.is_active).is_(True))
    if user_ids is not None:
        stmt = stmt.where(col(User.id).in_(list(user_ids)))
    rows, cursor = paginate(
        session, stmt, keys=[col(User.display_name), col(User.id)], params=params
    )
    roles_by_user: dict[uuid.UUID, list[str]] = {u.id: [] for u in rows}
    if rows:
        for user_id, role_name in session.exec(
            select(UserRole.user_id, UserRole.role).where(
                col(UserRole.user_id).in_(list(roles_by_user))
            )
        ).all():
            roles_by_user[user_id].append(role_name)
    return [_to_read(u, roles_by_user[u.id]) for u in rows], cursor


def update_user(
    session: Session,
    actor: Principal,
    *,
    user_id: uuid.UUID,
    data: UserUpdate,
    if_match: str | None,
) -> UserUpdated:
    """Change a person. Nobody changes their own roles (nor, as a lead, their department);
    removing roles and granting staff or peer_supporter apply at once; privileged roles
    (and a lead's move to another department) become a grant for a second admin."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    require_if_match(if_match, user.version)
    changes = data.model_dump(exclude_unset=True)
    current = roles_of(session, user.id)
    department_after = data.department_id if "department_id" in changes else user.department_id
    if policy.changes_own_roles(
        actor_id=actor.id,
        user_id=user.id,
        current=current,
        requested=[r.value for r in data.roles] if data.roles is not None else None,
        department_before=user.department_id,
        department_after=department_after,
    ):
        raise OwnRolesRefused()
    if changes.get("is_active") is False and actor.id == user.id:
        raise Conflict("You cannot deactivate your own account.")
    change = policy.split_change(
        current=current,
        requested=[r.value for r in data.roles] if data.roles is not None else current,
        department_before=user.department_id,
        department_after=department_after,
    )
    waiting = pending_grant(session, user.id)
    # Checked when the roles change (an account older than the rules can still be renamed
    # or deactivated without first repairing its roles; check-roles lists it meanwhile).
    if set(change.requested) != {Role(r) for r in current}:
        require_allowed_roles(
            [r.value for r in change.requested] + (waiting.roles if waiting else []),
            with_pending=waiting is not None,
        )
    if change.pending and waiting is not None:
        raise GrantPending()
    if data.email is not None:
        email = normalise_email(str(data.email))
        if _email_taken(session, email, except_id=user.id):
            raise Conflict(
                "A user with this email already exists.",
                errors=[field_error("email", "Already in use.")],
            )
        user.email = email
    if data.display_name is not None:
        user.display_name = data.display_name
    if "department_id" in changes:
        user.department_id = data.department_id
    if data.profession is not None:
        user.profession = data.profession.value
    if data.is_active is not None:
        user.is_active = data.is_active
        if data.is_active:
            # Reactivated by an administrator: a directory that had deleted the account
            # sees it again (haven.auth.directory).
            user.deprovisioned_at = None
    roles_changed = set(change.apply) != {Role(r) for r in current}
    if roles_changed:
        set_roles(session, user.id, change.apply)
    user.updated_at = clock.now()
    session.add(user)
    session.flush()
    if changes.get("is_active") is False:
        end_sessions(session, user.id)
    if roles_changed:
        audit_roles(
            session, actor, "user.roles_changed", user.id, before=current, after=change.apply
        )
    grant = propose_grant(session, actor, user, change) if change.pending else None
    if set(changes) - {"roles"} or (not roles_changed and grant is None):
        audit.record_event(
            session, actor, action="user.updated", object_type="user", object_id=user.id
        )
    forget_principal(user.id)
    read = _to_read(user, roles_of(session, user.id))
    return UserUpdated(
        **read.model_dump(),
        pending_grant=grant_reads(session, [grant])[0] if grant is not None else None,
    )


def users_by_id(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UserRead]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    roles: dict[uuid.UUID, list[str]] = {u.id: [] for u in users}
    for uid, role_name in session.exec(
        select(UserRole.user_id, UserRole.role).where(col(UserRole.user_id).in_(ids))
    ).all():
        roles[uid].append(role_name)
    return {u.id: _to_read(u, roles[u.id]) for u in users}


def search_active_users(session: Session, *, name_contains: str, limit: int) -> list[UserRead]:
    """Active people whose display name contains the text (case-insensitive), by name: the
    read behind a person picker for roles that may not list users."""
    text = name_contains.strip().lower()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    ids = session.exec(
        select(User.id)
        .where(
            col(User.is_active).is_(True),
            sa.func.lower(col(User.display_name)).like(f"%{escaped}%", escape="\\"),
        )
        .order_by(col(User.display_name), col(User.id))
        .limit(limit)
    ).all()
    found = users_by_id(session, ids)
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class UserSummary:
    """What lists and matching need of a person, read as plain columns (no ORM objects)."""

    id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None
    is_active: bool
    roles: frozenset[str]


def user_summaries(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UserSummary]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    roles: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
    for uid, role_name in session.execute(
        sa.select(col(UserRole.user_id), col(UserRole.role)).where(col(UserRole.user_id).in_(ids))
    ).all():
        roles[uid].add(role_name)
    rows = session.execute(
        sa.select(
            col(User.id), col(User.display_name), col(User.department_id), col(User.is_active)
        ).where(col(User.id).in_(ids))
    ).all()
    return {
        uid: UserSummary(uid, name, department_id, active, frozenset(roles[uid]))
        for uid, name, department_id, active in rows
    }


def active_user_id_by_email(session: Session, email: str) -> uuid.UUID | None:
    """The id of the active person with this email (case-insensitive), if any."""
    user = session.exec(
        select(User).where(col(User.email) == normalise_email(email), col(User.is_active).is_(True))
    ).first()
    return user.id if user is not None else None


def user_ids_with_role(session: Session, role: Role) -> list[uuid.UUID]:
    """Active people holding a role (e.g. every support coordinator, to notify them)."""
    return list(
        session.exec(
            select(User.id)
            .join(UserRole, col(UserRole.user_id) == col(User.id))
            .where(col(UserRole.role) == role.value, col(User.is_active).is_(True))
        ).all()
    )


def count_users(session: Session) -> int:
    return int(session.exec(select(sa.func.count()).select_from(User)).one())
