"""Identity tables: people, their roles, refresh tokens, service-account API keys, and the
hospital directory's groups."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field, version_column

_user_version = version_column()


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=120)
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", index=True, ondelete="RESTRICT"
    )
    profession: str = Field(max_length=32)
    is_active: bool = True
    password_hash: str | None = Field(default=None, max_length=255)
    last_login_at: datetime | None = utc_field(nullable=True)
    # Passwords (haven.auth.passwords): when the password was last set by its owner or a
    # reset link; bumping sign_in_delay_epoch clears every process's sign-in delays for the
    # account (an administrator's unlock).
    password_changed_at: datetime | None = utc_field(nullable=True)
    sign_in_delay_epoch: int = Field(default=0)
    # Provisioning (haven.auth.directory): the hospital directory's id for the person (SCIM
    # externalId, the CSV import's external_id), the SCIM userName when a directory sent one
    # (the email stands for it otherwise), the department as the directory names it, and when
    # the directory deleted the account (deactivated and hidden from SCIM, never removed: its
    # records keep their author).
    # Unique indexes rather than constraints: SQLite adds and drops them in place, where a
    # constraint would make the migration rebuild the users table (whose rebuild, under
    # foreign keys, would cascade to every row that names a person).
    external_id: str | None = Field(default=None, max_length=255, unique=True, index=True)
    user_name: str | None = Field(default=None, max_length=255, unique=True, index=True)
    directory_department: str | None = Field(default=None, max_length=255)
    deprovisioned_at: datetime | None = utc_field(nullable=True)
    # Access tokens carry the epoch they were issued in; ending a person's sessions bumps it,
    # and every request compares the two in the database (haven.auth.sessions).
    session_epoch: int = Field(default=0)
    version: int = Field(default=1, sa_column=_user_version)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _user_version}


class UserRole(SQLModel, table=True):
    __tablename__ = "user_roles"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(max_length=32, primary_key=True, index=True)


class RefreshToken(SQLModel, table=True):
    """Opaque refresh tokens, stored as SHA-256; one family per sign-in, rotated on each use."""

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    family_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)


_api_key_version = version_column()


class ApiKey(SQLModel, table=True):
    """A service account's key: ``hvn_<prefix>_<secret>``, stored as SHA-256 of the whole key.

    A key with a scope that reads content is created ``pending`` and authenticates only once
    another administrator has confirmed it (``status`` ``active``); see :mod:`haven.auth`."""

    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16, unique=True)
    secret_hash: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(max_length=16, index=True)
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = utc_field()
    # A pending key waits until then for a second administrator.
    expires_at: datetime | None = utc_field(nullable=True)
    decided_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="RESTRICT"
    )
    decided_at: datetime | None = utc_field(nullable=True)
    last_used_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_api_key_version)

    __mapper_args__ = {"version_id_col": _api_key_version}


_grant_version = version_column()


class RoleGrant(SQLModel, table=True):
    """Privileged roles one administrator proposed for a person; they take effect only when
    another administrator (neither the proposer nor the person) confirms them."""

    __tablename__ = "role_grants"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    roles: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # The department a department_lead grant leads: the person's department when proposed.
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="RESTRICT"
    )
    status: str = Field(max_length=16, index=True)
    # None: proposed by single sign-on, at a first sign-in whose directory groups the role
    # map gives a privileged role (haven.auth.identities); any other administrator confirms.
    proposed_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="RESTRICT"
    )
    decided_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="RESTRICT"
    )
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    decided_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_grant_version)

    __mapper_args__ = {"version_id_col": _grant_version}


class PasswordReset(SQLModel, table=True):
    """A reset link an administrator had emailed: the token only as SHA-256, single use,
    short-lived (see :mod:`haven.auth.passwords`)."""

    __tablename__ = "password_resets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    requested_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)


class TotpCredential(SQLModel, table=True):
    """A person's authenticator (RFC 6238): the secret sealed, never shown after enrolment;
    ``confirmed_at`` null while the enrolment waits for its first code (see
    :mod:`haven.auth.totp`)."""

    __tablename__ = "totp_credentials"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    secret_sealed: str = Field(max_length=255)
    created_at: datetime = utc_field()
    confirmed_at: datetime | None = utc_field(nullable=True)
    # The time step of the last code accepted: a code is never accepted twice.
    last_used_step: int | None = Field(default=None, sa_type=sa.BigInteger)
    # Wrong codes in a row, and until when the next one waits (growing delays).
    failures: int = 0
    blocked_until: datetime | None = utc_field(nullable=True)


class TotpRecoveryCode(SQLModel, table=True):
    """One-time recovery codes (80 random bits each), stored as SHA-256."""

    __tablename__ = "totp_recovery_codes"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)


class UserIdentity(SQLModel, table=True):
    """A person's account at the OpenID Connect provider: (issuer, subject) names it for
    good (an email can change hands; a subject cannot). One per person and provider."""

    __tablename__ = "user_identities"
    __table_args__ = (
        sa.UniqueConstraint("issuer", "subject"),
        sa.UniqueConstraint("user_id", "issuer"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    # How the account was found the first time: "created" (just in time), "email" (the
    # provider's verified email) or "external_id" (the SCIM externalId claim).
    linked_by: str = Field(max_length=16)
    created_at: datetime = utc_field()
    last_used_at: datetime | None = utc_field(nullable=True)


class DirectoryGroup(SQLModel, table=True):
    """A group of the hospital's directory, pushed by its SCIM client. Membership of a group
    that ``HAVEN_SCIM_GROUP_ROLES`` maps to a role grants that role (see
    :mod:`haven.auth.directory_groups`); other groups are kept and change nothing."""

    __tablename__ = "directory_groups"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    display_name: str = Field(max_length=255)
    external_id: str | None = Field(default=None, max_length=255, unique=True)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class DirectoryGroupMember(SQLModel, table=True):
    __tablename__ = "directory_group_members"

    group_id: uuid.UUID = Field(
        foreign_key="directory_groups.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: uuid.UUID = Field(
        foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE"
    )
