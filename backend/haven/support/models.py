"""Peer-support tables.

Identifying columns (who asked, who referred, contact details, free text, the private note,
the supporter and the involved staff of an outreach) are nullable: the periodic purge
empties them once a record has been closed for the retention period, and what remains is
de-identified program data (department, profession, urgency, tier, channel, timestamps,
outcome). No table holds a report id. Feedback rows have no link to their request and
(on SQLite) are stored ``WITHOUT ROWID``, so their physical order is the random key and
not the order in which requests were closed.

Free text (``*_sealed`` columns and ``note_sealed``) is only ever stored as AES-256-GCM
ciphertext under the record's own data key, which lives in :class:`SupportRecordKey`, apart
from the row and wrapped under a key-encryption key that is never stored (see
:mod:`haven.support.sealing`). Purging deletes the key row: copies of the ciphertext left
in free pages, the WAL or a backup no longer open.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field, version_column

_supporter_version = version_column()
_request_version = version_column()
_follow_up_version = version_column()
_outreach_version = version_column()
_resources_version = version_column()

RESOURCES_ID = 1


class SupportResources(SQLModel, table=True):
    """The organisation's crisis and help contacts (one row), shown without sign-in."""

    __tablename__ = "support_resources"

    id: int = Field(
        default=RESOURCES_ID, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    version: int = Field(default=1, sa_column=_resources_version)
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _resources_version}


class Supporter(SQLModel, table=True):
    """A trained peer supporter on the roster."""

    __tablename__ = "supporters"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", unique=True, ondelete="CASCADE")
    training_completed_on: date | None = None
    training_expires_on: date | None = None
    professions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    languages: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    capacity: int = 3
    is_active: bool = True
    is_paused: bool = False
    # [{"weekday": 0..6 (Monday 0), "start": "HH:MM", "end": "HH:MM"}] in the organisation's
    # time zone; an end at or before the start runs past midnight.
    on_call: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    version: int = Field(default=1, sa_column=_supporter_version)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _supporter_version}


class SupportRequest(SQLModel, table=True):
    __tablename__ = "support_requests"
    __table_args__ = (
        sa.Index("ix_support_requests_status_created_at_id", "status", "created_at", "id"),
        sa.Index("ix_support_requests_supporter_id_status", "supporter_id", "status"),
        sa.Index(
            "ix_support_requests_requester_id_created_at_id", "requester_id", "created_at", "id"
        ),
        # Covers the weekly figures for insights (counts and the median's middle rows).
        sa.Index(
            "ix_support_requests_week_figures",
            "week_start",
            "department_id",
            "minutes_to_first_contact",
            "first_in_week",
            "first_contact_at",
            "due_at",
        ),
        sa.Index("ix_support_requests_closed_at", "closed_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=16)
    status: str = Field(default="new", max_length=16)
    urgency: str = Field(max_length=16)
    tier: int = 2
    # Identifying: emptied by the retention purge.
    requester_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    referrer_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # Sealed under the request's data key (sealing.CONTACT_DETAILS, sealing.PREFERRED_TIMES).
    contact_details_sealed: str | None = Field(default=None, sa_type=sa.Text)
    preferred_times_sealed: str | None = Field(default=None, sa_type=sa.Text)
    excluded_user_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    passed_over_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    supporter_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    # De-identified program data, kept.
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="RESTRICT"
    )
    profession: str | None = Field(default=None, max_length=32)
    contact_channel: str | None = Field(default=None, max_length=16)
    preferred_profession: str | None = Field(default=None, max_length=32)
    preferred_language: str | None = Field(default=None, max_length=35)
    not_own_department: bool = False
    week_start: date
    # Whether this is the requester's first request in its department and week, so
    # distinct people per week can still be counted after the requester is purged.
    first_in_week: bool = True
    created_at: datetime = utc_field()
    due_at: datetime = utc_field()
    offer_expires_at: datetime | None = utc_field(nullable=True)
    assigned_at: datetime | None = utc_field(nullable=True)
    first_contact_at: datetime | None = utc_field(nullable=True)
    minutes_to_first_contact: float | None = None
    active_at: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)
    escalated_at: datetime | None = utc_field(nullable=True)
    escalated_resource: str | None = Field(default=None, max_length=32)
    safety_exception_at: datetime | None = utc_field(nullable=True)
    overdue_flagged_at: datetime | None = utc_field(nullable=True)
    waiting_flagged_at: datetime | None = utc_field(nullable=True)
    feedback_given: bool = False
    purged_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_request_version)

    __mapper_args__ = {"version_id_col": _request_version}


class SupportEncounter(SQLModel, table=True):
    __tablename__ = "support_encounters"
    __table_args__ = (
        sa.Index("ix_support_encounters_request_id_occurred_at", "request_id", "occurred_at"),
        sa.Index("ix_support_encounters_note_expires_at", "note_expires_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="support_requests.id", ondelete="CASCADE")
    supporter_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    occurred_at: datetime = utc_field()
    minutes: int
    channel: str = Field(max_length=16)
    tier: int
    outcome: str = Field(max_length=16)
    safety_exception: bool = False
    # Sealed under the encounter's data key and bound to its author, readable by its author
    # only; purged (with its key) after ``note_days``.
    note_sealed: str | None = Field(default=None, sa_type=sa.Text)
    note_expires_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()


class SupportFollowUp(SQLModel, table=True):
    __tablename__ = "support_follow_ups"
    __table_args__ = (sa.Index("ix_support_follow_ups_status_due_on", "status", "due_on"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="support_requests.id", ondelete="CASCADE", index=True)
    due_on: date
    status: str = Field(default="scheduled", max_length=16)
    surfaced_at: datetime | None = utc_field(nullable=True)
    completed_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    version: int = Field(default=1, sa_column=_follow_up_version)

    __mapper_args__ = {"version_id_col": _follow_up_version}


class OutreachTask(SQLModel, table=True):
    """ "Offer support to this person", from an event review: no event details, no report id."""

    __tablename__ = "support_outreach_tasks"
    __table_args__ = (
        sa.Index("ix_support_outreach_tasks_status_created_at_id", "status", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="RESTRICT"
    )
    # The staff involved in the event, kept out of matching for this person's request.
    involved_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(default="open", max_length=16)
    created_at: datetime = utc_field()
    decided_at: datetime | None = utc_field(nullable=True)
    purged_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_outreach_version)

    __mapper_args__ = {"version_id_col": _outreach_version}


class OutreachKey(SQLModel, table=True):
    """Fingerprints of (event, person) pairs already offered outreach, so naming the same
    staff again creates no second task. A fingerprint is a hash of the caller's opaque
    per-event key and the person's id: it names no report and no task, and says nothing of
    whether the offer was taken."""

    __tablename__ = "support_outreach_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    fingerprint: str = Field(primary_key=True, max_length=64)
    expires_on: date = Field(index=True)


class SupportFeedback(SQLModel, table=True):
    """Anonymous feedback after closing: no request, no person, no time finer than the day."""

    __tablename__ = "support_feedback"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    helpful: int
    # Sealed under the feedback's data key; purged (with its key) after the retention period.
    comment_sealed: str | None = Field(default=None, sa_type=sa.Text)
    given_on: date = Field(index=True)


class SupportRecordKey(SQLModel, table=True):
    """One support record's data key, wrapped under the key-encryption key (never stored
    here). Its id is the id of the record whose free text it seals (a request, an encounter
    or a feedback answer); deleting the row is what purges that text. Nothing else is kept:
    the day it was made (no finer, like feedback's ``given_on``), and ``WITHOUT ROWID`` on
    SQLite, so the rows' order is the random id, not the order records were written."""

    __tablename__ = "support_record_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: uuid.UUID = Field(primary_key=True)
    wrapped_key: bytes = Field(sa_type=sa.LargeBinary)
    created_on: date
