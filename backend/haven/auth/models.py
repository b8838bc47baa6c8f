"""Identity tables: people, their roles, refresh tokens, service-account API keys."""

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
    version: int = Field(default=1, sa_column=_user_version)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _user_version}


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins per email (as SHA-256), whether or not the account exists: the same
    answer for both, in every process, across restarts."""

    __tablename__ = "sign_in_throttle"

    email_hash: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    window_started_at: datetime = utc_field()
    locked_until: datetime | None = utc_field(nullable=True)


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
    proposed_by_id: uuid.UUID = Field(foreign_key="users.id", ondelete="RESTRICT")
    decided_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="RESTRICT"
    )
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    decided_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_grant_version)

    __mapper_args__ = {"version_id_col": _grant_version}
