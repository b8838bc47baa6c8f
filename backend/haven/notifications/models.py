"""Notification tables: the inbox and the email outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_id_created_at_id", "user_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=48)
    title: str = Field(max_length=200)
    link: str | None = Field(default=None, max_length=300)
    created_at: datetime = utc_field()
    read_at: datetime | None = utc_field(nullable=True)


class EmailOutbox(SQLModel, table=True):
    __tablename__ = "email_outbox"
    __table_args__ = (sa.Index("ix_email_outbox_sent_at_created_at", "sent_at", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = utc_field()
    sent_at: datetime | None = utc_field(nullable=True)
    attempts: int = 0
    next_attempt_at: datetime = utc_field()
    last_error: str | None = Field(default=None, max_length=500)
    # The body holds a secret (a password reset link): emptied once the email is sent.
    is_secret: bool = False
