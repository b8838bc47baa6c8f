"""People as the hospital's directory knows them: the accounts a SCIM client or the CSV import
creates, changes, deactivates and deletes. The protocols are the org domain's
(:mod:`haven.org.scim`, :mod:`haven.org.people_import`: they resolve departments and speak
SCIM and CSV); the rules for the accounts are here, and are the same for both.

* **Keys.** A directory names a person by ``external_id`` (SCIM ``externalId``, the CSV's
  ``external_id``; unique, compared exactly) and, for SCIM, a ``user_name`` (unique, compared
  case-insensitively; an account without one answers to its email, so a SCIM client finds the
  accounts an administrator made before provisioning was switched on). The email stays the
  address Haven writes to and signs people in with; it is unique too.
* **No password.** A directory's accounts are created without one: people sign in with
  single sign-on (or an administrator sends a reset link, where passwords are on).
* **The separation of roles holds** (:mod:`haven.auth.policy`): a forbidden combination is
  refused (422 ``role-combination``); removing a role and granting staff or peer_supporter
  apply at once; a privileged role (or moving a lead to another department) becomes a pending
  :class:`~haven.auth.models.RoleGrant` that another administrator confirms. A directory acts
  for an administrator, who is the grant's proposer and so can never confirm it: the admin
  who uploads a CSV file, or the creator of the SCIM client's API key (who holds its secret;
  the key itself needed a second administrator, see :mod:`haven.auth`). A key whose creator
  is no longer an active administrator proposes nothing (403 ``directory-no-proposer``), nor
  does the command-line import without ``--proposer``. A privileged role already waiting in
  the person's grant is not asked for twice; another one while a grant waits is 409
  ``role-grant-pending``. Nobody changes their own roles through an upload either.
* **Deactivation** (``active: false``, an ``active`` cell of ``false``) ends every session of
  the person at once (:func:`haven.auth.sessions.end_sessions`).
* **Deletion is soft** (:func:`deprovision_account`, SCIM ``DELETE``): the account is
  deactivated (sessions ended), loses its roles and group memberships, is unlinked from the
  directory (``external_id`` and ``user_name`` cleared, so the directory may reuse them) and
  is hidden from SCIM from then on (404). It is never removed: reports, debriefs and the
  audit log keep their author. Its email stays taken, so a new account for the same address
  is refused (409) until an administrator decides: the same person back (reactivate the
  account in Haven, which makes it visible to SCIM again) or someone else (change the old
  account's email). Merging two people silently would show one the other's reports.
* Every change is audited on the person: ``user.created``, ``user.updated``,
  ``user.roles_changed``, ``user.role_grant_proposed`` (as :mod:`haven.auth.users` does) and
  ``user.deprovisioned``; the actor is the administrator or the SCIM client's key (the
  command line: the system).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth.models import ApiKey, DirectoryGroup, DirectoryGroupMember, User, UserRole
from haven.auth.roles import is_active_admin
from haven.auth.schemas import Profession, Role
from haven.auth.users import normalise_email
from haven.core.errors import Forbidden, NotFound, Unprocessable, field_error
from haven.core.security import Principal


class Keep:
    """A field a change leaves as it is (:data:`KEEP`)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


@dataclass(frozen=True)
class DirectoryActor:
    """Who changes people for a directory: ``principal`` is who the audit log names (an
    administrator, a SCIM client's key; None for the command line), ``proposer_id`` the
    administrator privileged roles are proposed for (None: none may be), ``self_id`` a
    person who may not change their own roles this way."""

    principal: Principal | None
    proposer_id: uuid.UUID | None
    self_id: uuid.UUID | None = None


def directory_actor_for(session: Session, principal: Principal) -> DirectoryActor:
    """The directory actor of a signed-in administrator or of a SCIM client's API key."""
    if principal.kind == "api_key":
        key = session.get(ApiKey, principal.id)
        creator = key.created_by_id if key is not None else None
        usable = creator is not None and is_active_admin(session, creator)
        return DirectoryActor(principal=principal, proposer_id=creator if usable else None)
    return DirectoryActor(principal=principal, proposer_id=principal.id, self_id=principal.id)


class NoProposer(Forbidden):
    type, title = "directory-no-proposer", "No administrator to propose privileged roles"

    def __init__(self) -> None:
        super().__init__(
            "Privileged roles wait for a second administrator, and need an administrator who "
            "proposes them: the creator of this API key is no longer an active administrator "
            "(create the key again), or the import was run without --proposer.",
            errors=[field_error("roles", "Nobody may propose these roles here.")],
        )


class LeadWithoutDepartment(Unprocessable):
    def __init__(self) -> None:
        super().__init__(
            "A department lead needs a department.",
            errors=[field_error("department", "Required for a department lead.")],
        )


@dataclass(frozen=True)
class DirectoryAccount:
    id: uuid.UUID
    external_id: str | None
    user_name: str | None
    email: str
    display_name: str
    is_active: bool
    department_id: uuid.UUID | None
    directory_department: str | None
    profession: Profession
    roles: frozenset[Role]
    groups: tuple[tuple[uuid.UUID, str], ...]
    created_at: datetime
    updated_at: datetime

    @property
    def login_name(self) -> str:
        """The SCIM ``userName``: the directory's, else the email."""
        return self.user_name or self.email


@dataclass(frozen=True)
class AccountFields:
    """A new account, as a directory describes it (``roles`` may be empty)."""

    email: str
    display_name: str
    external_id: str | None = None
    user_name: str | None = None
    department_id: uuid.UUID | None = None
    directory_department: str | None = None
    profession: Profession = Profession.other
    is_active: bool = True
    roles: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class AccountChange:
    """What a directory changes on an account; ``KEEP`` leaves a field as it is."""

    email: str | Keep = KEEP
    display_name: str | Keep = KEEP
    external_id: str | Keep | None = KEEP
    user_name: str | Keep | None = KEEP
    department_id: uuid.UUID | Keep | None = KEEP
    directory_department: str | Keep | None = KEEP
    profession: Profession | Keep = KEEP
    is_active: bool | Keep = KEEP
    roles: frozenset[Role] | Keep = KEEP


@dataclass(frozen=True)
class Outcome:
    account: DirectoryAccount
    changed: bool
    grant_id: uuid.UUID | None = None


# --- filters: what a SCIM filter may ask (haven.org.scim translates it to these) ----------

# "member" (a group's ``members.value``: a person's id) applies to groups only.
DirectoryAttribute = Literal["id", "userName", "externalId", "email", "displayName", "member"]


@dataclass(frozen=True)
class Match:
    attribute: DirectoryAttribute
    value: str


@dataclass(frozen=True)
class AllOf:
    terms: tuple[AccountFilter, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[AccountFilter, ...] = field(default_factory=tuple)


AccountFilter = Match | AllOf | AnyOf


def _condition(where: AccountFilter) -> sa.ColumnElement[bool]:
    if isinstance(where, AllOf):
        return sa.and_(sa.true(), *(_condition(t) for t in where.terms))
    if isinstance(where, AnyOf):
        return sa.or_(sa.false(), *(_condition(t) for t in where.terms))
    value = where.value
    if where.attribute == "id":
        try:
            return col(User.id) == uuid.UUID(value)
        except ValueError:
            return sa.false()
    if where.attribute == "externalId":
        return col(User.external_id) == value
    if where.attribute == "email":
        return col(User.email) == normalise_email(value)
    if where.attribute == "displayName":
        return sa.func.lower(col(User.display_name)) == value.lower()
    if where.attribute != "userName":
        return sa.false()
    return sa.or_(
        sa.func.lower(col(User.user_name)) == value.lower(),
        sa.and_(col(User.user_name).is_(None), col(User.email) == normalise_email(value)),
    )


# --- reading --------------------------------------------------------------------------------


def accounts_of(session: Session, users: Sequence[User]) -> list[DirectoryAccount]:
    ids = [u.id for u in users]
    roles: dict[uuid.UUID, set[Role]] = {i: set() for i in ids}
    groups: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {i: [] for i in ids}
    if ids:
        for user_id, role in session.execute(
            sa.select(col(UserRole.user_id), col(UserRole.role)).where(
                col(UserRole.user_id).in_(ids)
            )
        ).all():
            roles[user_id].add(Role(role))
        for user_id, group_id, name in session.execute(
            sa.select(
                col(DirectoryGroupMember.user_id),
                col(DirectoryGroup.id),
                col(DirectoryGroup.display_name),
            )
            .join(DirectoryGroup, col(DirectoryGroup.id) == col(DirectoryGroupMember.group_id))
            .where(col(DirectoryGroupMember.user_id).in_(ids))
            .order_by(col(DirectoryGroup.display_name), col(DirectoryGroup.id))
        ).all():
            groups[user_id].append((group_id, name))
    return [
        DirectoryAccount(
            id=u.id,
            external_id=u.external_id,
            user_name=u.user_name,
            email=u.email,
            display_name=u.display_name,
            is_active=u.is_active,
            department_id=u.department_id,
            directory_department=u.directory_department,
            profession=Profession(u.profession),
            roles=frozenset(roles[u.id]),
            groups=tuple(groups[u.id]),
            created_at=u.created_at,
            updated_at=u.updated_at,
        )
        for u in users
    ]


def _visible(user_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return sa.and_(col(User.id) == user_id, col(User.deprovisioned_at).is_(None))


def load_visible(session: Session, user_id: uuid.UUID) -> User:
    user = session.exec(select(User).where(_visible(user_id))).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def get_account(session: Session, user_id: uuid.UUID) -> DirectoryAccount:
    """An account the directory may see (one it deleted is not found)."""
    return accounts_of(session, [load_visible(session, user_id)])[0]


def find_account_id(
    session: Session, *, external_id: str | None = None, email: str | None = None
) -> uuid.UUID | None:
    """The visible account with this external id, else with this email (the CSV import's
    keys), or None."""
    if external_id:
        found = session.exec(
            select(User.id).where(
                col(User.external_id) == external_id, col(User.deprovisioned_at).is_(None)
            )
        ).first()
        if found is not None:
            return found
    if email:
        return session.exec(
            select(User.id).where(
                col(User.email) == normalise_email(email), col(User.deprovisioned_at).is_(None)
            )
        ).first()
    return None


def list_accounts(
    session: Session, *, where: AccountFilter | None, start: int, count: int
) -> tuple[int, list[DirectoryAccount]]:
    """The visible accounts matching ``where``: their total, and ``count`` of them from the
    1-based ``start``, oldest first (SCIM pages by index)."""
    condition = sa.and_(
        col(User.deprovisioned_at).is_(None), _condition(where) if where else sa.true()
    )
    total = int(
        session.execute(sa.select(sa.func.count()).select_from(User).where(condition)).scalar_one()
    )
    if count <= 0 or start > total:
        return total, []
    users = session.exec(
        select(User)
        .where(condition)
        .order_by(col(User.created_at), col(User.id))
        .offset(start - 1)
        .limit(count)
    ).all()
    return total, accounts_of(session, users)
