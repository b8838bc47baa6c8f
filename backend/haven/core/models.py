"""Core tables: the audit chain and stored idempotent responses. They hold no domain content."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field


class AuditEvent(SQLModel, table=True):
    """One link of the append-only, hash-chained audit log (who did what to which record)."""

    __tablename__ = "audit_events"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    occurred_at: datetime = utc_field(index=True)
    actor_type: str = Field(max_length=32)
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=64)
    object_id: uuid.UUID | None = Field(default=None, index=True)
    request_id: str | None = Field(default=None, max_length=64)
    # What changed, when the action alone does not say it (a role change's before and after).
    # Never content: no free text, nothing confidential.
    detail: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's tip: one row, locked by every appender so links are never forked."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = 0
    last_hash: str = Field(max_length=64)


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST carrying an ``Idempotency-Key``, per caller."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("principal_key", "key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    principal_key: str = Field(max_length=80)
    key: str = Field(max_length=255)
    method: str = Field(max_length=10)
    path: str = Field(max_length=2048)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_type=sa.Text)
    response_headers: str = Field(sa_type=sa.Text)
    created_at: datetime = utc_field(index=True)
