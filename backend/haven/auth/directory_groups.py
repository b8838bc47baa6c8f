"""The directory's groups (SCIM ``Groups``), and the roles their membership gives.

A SCIM client pushes the groups it is told to (any name, any members); Haven keeps them as
they are. What a group means is configuration, not code: ``HAVEN_SCIM_GROUP_ROLES`` maps a
group, by its ``externalId`` (Entra ID sends the group's object id there) or else its
``displayName``, to roles. A group the map does not name changes nobody's roles, and no group
named like a role grants anything by itself (as ``HAVEN_OIDC_ROLE_MAP`` for single sign-on).

Roles follow membership **events**: when people join a mapped group (or a group is renamed
into a mapped name), they are given its roles; when they leave it (or it is renamed away,
or deleted), they lose the roles it gave unless another of their groups still gives them.
Roles given in Haven by hand are not touched otherwise. Each change goes through
:func:`haven.auth.provisioning.change_account`, so the separation of roles holds exactly as
for an administrator: a privileged role becomes a grant a second administrator confirms
(proposed in the name of the SCIM key's creator), a forbidden combination is refused, and
the whole request with it (SCIM is atomic per request; the client retries). Leaving the
group before the grant is confirmed withdraws the grant (``user.role_grant_cancelled`` by
the system).

Changing ``HAVEN_SCIM_GROUP_ROLES`` changes nobody's roles by itself; the next membership
change of a group does, for that group's people.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from haven.auth import policy
from haven.auth.directory import (
    AccountChange,
    AllOf,
    AnyOf,
    DirectoryActor,
    Keep,
    Match,
)
from haven.auth.models import DirectoryGroup, DirectoryGroupMember, User
from haven.auth.provisioning import change_account
from haven.auth.role_grants import pending_grant, withdraw_role_grant
from haven.auth.roles import roles_of
from haven.auth.schemas import Role
from haven.core import audit, clock
from haven.core.errors import Conflict, NotFound, Unprocessable, field_error
from haven.core.settings import ConfigurationError, Settings, get_settings

GroupFilter = Match | AllOf | AnyOf
"""As for accounts; a group answers to ``id``, ``externalId``, ``displayName`` and ``member``
(``members.value``: a member's id)."""


@dataclass(frozen=True)
class GroupRecord:
    id: uuid.UUID
    display_name: str
    external_id: str | None
    members: tuple[tuple[uuid.UUID, str], ...]
    created_at: datetime
    updated_at: datetime


def check_directory_settings(settings: Settings) -> None:
    """Refuse (at start-up) a group map naming a role Haven lacks, or giving one group roles
    that may not be held together."""
    known = {r.value for r in Role}
    new_roles = settings.scim.new_user_roles
    if any(r not in known or Role(r) in policy.PRIVILEGED_ROLES for r in new_roles):
        raise ConfigurationError(
            "HAVEN_SCIM_NEW_USER_ROLES may name only staff and peer_supporter."
        )
    for group, roles in settings.scim.group_roles.items():
        if not group.strip():
            raise ConfigurationError("HAVEN_SCIM_GROUP_ROLES has an empty group name.")
        if any(role not in known for role in roles):
            raise ConfigurationError(
                f"HAVEN_SCIM_GROUP_ROLES gives group {group!r} an unknown role."
            )
        if policy.forbidden_pairs(roles):
            raise ConfigurationError(
                f"HAVEN_SCIM_GROUP_ROLES gives group {group!r} roles that cannot be held together."
            )


def _roles_of_group(display_name: str, external_id: str | None) -> frozenset[Role]:
    mapping = get_settings().scim.group_roles
    names = mapping.get(external_id, ()) if external_id else ()
    return frozenset(Role(r) for r in (names or mapping.get(display_name, ())))


def _mapped_roles(
    session: Session, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, frozenset[Role]]:
    ids = list(set(user_ids))
    found: dict[uuid.UUID, set[Role]] = {i: set() for i in ids}
    if ids:
        for user_id, name, external_id in session.execute(
            sa.select(
                col(DirectoryGroupMember.user_id),
                col(DirectoryGroup.display_name),
                col(DirectoryGroup.external_id),
            )
            .join(DirectoryGroup, col(DirectoryGroup.id) == col(DirectoryGroupMember.group_id))
            .where(col(DirectoryGroupMember.user_id).in_(ids))
        ).all():
            found[user_id] |= _roles_of_group(name, external_id)
    return {i: frozenset(r) for i, r in found.items()}


def _sync_roles(
    session: Session, actor: DirectoryActor, before: dict[uuid.UUID, frozenset[Role]]
) -> None:
    """Give and take the roles whose groups these people joined or left since ``before``."""
    after = _mapped_roles(session, before)
    for user_id in sorted(before):
        gained, lost = after[user_id] - before[user_id], before[user_id] - after[user_id]
        if not gained and not lost:
            continue
        held = {Role(r) for r in roles_of(session, user_id)}
        waiting = pending_grant(session, user_id)
        still_wanted: set[Role] = set()
        if waiting is not None and lost & {Role(r) for r in waiting.roles}:
            still_wanted = {Role(r) for r in waiting.roles} - lost
            withdraw_role_grant(session, waiting)
        requested = (held - lost) | gained | still_wanted
        if requested != held:
            change_account(
                session, actor, user_id=user_id, change=AccountChange(roles=frozenset(requested))
            )


def _records(session: Session, groups: Sequence[DirectoryGroup]) -> list[GroupRecord]:
    ids = [g.id for g in groups]
    members: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {i: [] for i in ids}
    if ids:
        for group_id, user_id, name in session.execute(
            sa.select(col(DirectoryGroupMember.group_id), col(User.id), col(User.display_name))
            .join(User, col(User.id) == col(DirectoryGroupMember.user_id))
            .where(col(DirectoryGroupMember.group_id).in_(ids))
            .order_by(col(User.display_name), col(User.id))
        ).all():
            members[group_id].append((user_id, name))
    return [
        GroupRecord(
            g.id, g.display_name, g.external_id, tuple(members[g.id]), g.created_at, g.updated_at
        )
        for g in groups
    ]


def _load(session: Session, group_id: uuid.UUID) -> DirectoryGroup:
    group = session.get(DirectoryGroup, group_id)
    if group is None:
        raise NotFound("No such group.")
    return group


def get_group(session: Session, group_id: uuid.UUID) -> GroupRecord:
    return _records(session, [_load(session, group_id)])[0]


def _condition(where: GroupFilter) -> sa.ColumnElement[bool]:
    if isinstance(where, AllOf):
        return sa.and_(sa.true(), *(_condition(t) for t in where.terms))
    if isinstance(where, AnyOf):
        return sa.or_(sa.false(), *(_condition(t) for t in where.terms))
    try:
        if where.attribute == "id":
            return col(DirectoryGroup.id) == uuid.UUID(where.value)
        if where.attribute == "member":
            member = uuid.UUID(where.value)
            return col(DirectoryGroup.id).in_(
                select(DirectoryGroupMember.group_id).where(
                    col(DirectoryGroupMember.user_id) == member
                )
            )
    except ValueError:
        return sa.false()
    if where.attribute == "externalId":
        return col(DirectoryGroup.external_id) == where.value
    if where.attribute == "displayName":
        return sa.func.lower(col(DirectoryGroup.display_name)) == where.value.lower()
    return sa.false()


def list_groups(
    session: Session, *, where: GroupFilter | None, start: int, count: int
) -> tuple[int, list[GroupRecord]]:
    condition = _condition(where) if where else sa.true()
    total = int(
        session.execute(
            sa.select(sa.func.count()).select_from(DirectoryGroup).where(condition)
        ).scalar_one()
    )
    if count <= 0 or start > total:
        return total, []
    rows = session.exec(
        select(DirectoryGroup)
        .where(condition)
        .order_by(col(DirectoryGroup.created_at), col(DirectoryGroup.id))
        .offset(start - 1)
        .limit(count)
    ).all()
    return total, _records(session, rows)


def _members(session: Session, group_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.exec(
            select(DirectoryGroupMember.user_id).where(
                col(DirectoryGroupMember.group_id) == group_id
            )
        ).all()
    )


def _require_people(session: Session, user_ids: set[uuid.UUID]) -> None:
    if not user_ids:
        return
    found = set(
        session.exec(
            select(User.id).where(
                col(User.id).in_(list(user_ids)), col(User.deprovisioned_at).is_(None)
            )
        ).all()
    )
    if found != user_ids:
        raise Unprocessable(
            "A member is not a user of this service.",
            errors=[field_error("members", "Every member must be an existing user.")],
        )


def _require_external_id_free(
    session: Session, external_id: str | None, except_id: uuid.UUID | None
) -> None:
    if external_id is None:
        return
    stmt = select(DirectoryGroup.id).where(col(DirectoryGroup.external_id) == external_id)
    if except_id is not None:
        stmt = stmt.where(col(DirectoryGroup.id) != except_id)
    if session.exec(stmt).first() is not None:
        raise Conflict(
            "Another group has this external id.",
            errors=[field_error("external_id", "Already in use.")],
        )


def create_group(
    session: Session,
    actor: DirectoryActor,
    *,
    display_name: str,
    external_id: str | None,
    member_ids: set[uuid.UUID],
) -> GroupRecord:
    _require_external_id_free(session, external_id, None)
    _require_people(session, member_ids)
    before = _mapped_roles(session, member_ids)
    now = clock.now()
    group = DirectoryGroup(
        display_name=display_name, external_id=external_id, created_at=now, updated_at=now
    )
    session.add(group)
    session.flush()
    for user_id in sorted(member_ids):
        session.add(DirectoryGroupMember(group_id=group.id, user_id=user_id))
    session.flush()
    _audit(session, actor, "directory_group.created", group)
    _sync_roles(session, actor, before)
    return get_group(session, group.id)


def change_group(
    session: Session,
    actor: DirectoryActor,
    *,
    group_id: uuid.UUID,
    display_name: str | Keep,
    external_id: str | Keep | None,
    member_ids: set[uuid.UUID] | Keep,
) -> GroupRecord:
    """Replace what is given (the members as a whole set), then give and take roles."""
    group = _load(session, group_id)
    current = _members(session, group.id)
    wanted = current if isinstance(member_ids, Keep) else member_ids
    if not isinstance(external_id, Keep):
        _require_external_id_free(session, external_id, group.id)
    _require_people(session, wanted - current)
    before = _mapped_roles(session, current | wanted)
    changed = False
    if not isinstance(display_name, Keep) and display_name != group.display_name:
        group.display_name, changed = display_name, True
    if not isinstance(external_id, Keep) and external_id != group.external_id:
        group.external_id, changed = external_id, True
    if current - wanted:
        session.exec(
            delete(DirectoryGroupMember).where(
                col(DirectoryGroupMember.group_id) == group.id,
                col(DirectoryGroupMember.user_id).in_(list(current - wanted)),
            )
        )
    for user_id in sorted(wanted - current):
        session.add(DirectoryGroupMember(group_id=group.id, user_id=user_id))
    if changed or wanted != current:
        group.updated_at = clock.now()
        session.add(group)
        session.flush()
        _audit(session, actor, "directory_group.updated", group)
        _sync_roles(session, actor, before)
    return get_group(session, group.id)


def delete_group(session: Session, actor: DirectoryActor, *, group_id: uuid.UUID) -> None:
    group = _load(session, group_id)
    before = _mapped_roles(session, _members(session, group.id))
    _audit(session, actor, "directory_group.deleted", group)
    session.delete(group)
    session.flush()
    _sync_roles(session, actor, before)


def _audit(session: Session, actor: DirectoryActor, action: str, group: DirectoryGroup) -> None:
    roles = sorted(r.value for r in _roles_of_group(group.display_name, group.external_id))
    audit.record_event(
        session,
        actor.principal,
        action=action,
        object_type="directory_group",
        object_id=group.id,
        detail={"roles": roles},
    )
