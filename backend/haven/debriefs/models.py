"""Debrief tables.

The anonymous feedback is two tables that share nothing but the debrief: who answered
(``debrief_feedback_givers``, so each participant answers once) and what was answered
(``debrief_feedback_answers``: a random id and three scores, no person, no time). On SQLite
both are ``WITHOUT ROWID``, so their physical order is the key, not the order of answering;
the service also rewrites both sets on every answer (see ``service.give_feedback``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field, version_column

_debrief_version = version_column()
_record_version = version_column()
_action_version = version_column()


class Debrief(SQLModel, table=True):
    __tablename__ = "debriefs"
    __table_args__ = (
        sa.Index("ix_debriefs_scheduled_at_id", "scheduled_at", "id"),
        sa.Index(
            "ix_debriefs_department_id_scheduled_at_id", "department_id", "scheduled_at", "id"
        ),
        sa.Index(
            "ix_debriefs_facilitator_id_scheduled_at_id", "facilitator_id", "scheduled_at", "id"
        ),
        sa.Index("ix_debriefs_department_id_held_at", "department_id", "held_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=200)
    status: str = Field(default="scheduled", max_length=16)
    department_id: uuid.UUID = Field(foreign_key="departments.id", ondelete="RESTRICT")
    facilitator_id: uuid.UUID = Field(foreign_key="users.id", ondelete="RESTRICT")
    scheduled_at: datetime = utc_field()
    duration_minutes: int = 60
    location: str | None = Field(default=None, max_length=200)
    held_at: datetime | None = utc_field(nullable=True)
    cancel_reason: str | None = Field(default=None, max_length=500)
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    version: int = Field(default=1, sa_column=_debrief_version)

    __mapper_args__ = {"version_id_col": _debrief_version}


class DebriefRecord(SQLModel, table=True):
    """The structured, blame-free record; versioned apart from the schedule so the facilitator
    saving step by step does not collide with someone inviting a late participant."""

    __tablename__ = "debrief_records"

    debrief_id: uuid.UUID = Field(foreign_key="debriefs.id", primary_key=True, ondelete="CASCADE")
    ground_rules_acknowledged: bool = False
    ground_rules_text: str | None = Field(default=None, sa_type=sa.Text)
    ground_rules_acknowledged_at: datetime | None = utc_field(nullable=True)
    events: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    went_well: str | None = Field(default=None, sa_type=sa.Text)
    was_hard: str | None = Field(default=None, sa_type=sa.Text)
    contributing_factors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    learnings: str | None = Field(default=None, sa_type=sa.Text)
    support_offered: bool | None = None
    updated_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_record_version)

    __mapper_args__ = {"version_id_col": _record_version}


class DebriefReport(SQLModel, table=True):
    __tablename__ = "debrief_reports"

    debrief_id: uuid.UUID = Field(foreign_key="debriefs.id", primary_key=True, ondelete="CASCADE")
    report_id: uuid.UUID = Field(
        foreign_key="reports.id", primary_key=True, ondelete="CASCADE", index=True
    )


class DebriefParticipant(SQLModel, table=True):
    __tablename__ = "debrief_participants"

    debrief_id: uuid.UUID = Field(foreign_key="debriefs.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(
        foreign_key="users.id", primary_key=True, ondelete="RESTRICT", index=True
    )
    attended: bool | None = None
    invited_at: datetime = utc_field()


class DebriefFeedbackGiver(SQLModel, table=True):
    """That a person has answered a debrief's feedback: nothing else, no time."""

    __tablename__ = "debrief_feedback_givers"
    __table_args__ = ({"sqlite_with_rowid": False},)

    debrief_id: uuid.UUID = Field(foreign_key="debriefs.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")


class DebriefFeedbackAnswer(SQLModel, table=True):
    """One anonymous answer: a random id and the three scores, nothing that points to a person
    or a moment."""

    __tablename__ = "debrief_feedback_answers"
    __table_args__ = (
        sa.CheckConstraint("felt_safe BETWEEN 1 AND 5", name="felt_safe_range"),
        sa.CheckConstraint("systems_focus BETWEEN 1 AND 5", name="systems_focus_range"),
        sa.CheckConstraint("useful BETWEEN 1 AND 5", name="useful_range"),
        sa.Index("ix_debrief_feedback_answers_debrief_id", "debrief_id"),
        {"sqlite_with_rowid": False},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    debrief_id: uuid.UUID = Field(foreign_key="debriefs.id", ondelete="CASCADE")
    felt_safe: int
    systems_focus: int
    useful: int


class ActionItem(SQLModel, table=True):
    __tablename__ = "action_items"
    __table_args__ = (
        sa.CheckConstraint("debrief_id IS NOT NULL OR report_id IS NOT NULL", name="has_source"),
        sa.Index("ix_action_items_due_on_id", "due_on", "id"),
        sa.Index("ix_action_items_department_id_due_on_id", "department_id", "due_on", "id"),
        sa.Index("ix_action_items_owner_id_due_on_id", "owner_id", "due_on", "id"),
        sa.Index("ix_action_items_department_id_created_at", "department_id", "created_at"),
        sa.Index("ix_action_items_department_id_done_at", "department_id", "done_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    debrief_id: uuid.UUID | None = Field(
        default=None, foreign_key="debriefs.id", ondelete="CASCADE", index=True
    )
    report_id: uuid.UUID | None = Field(
        default=None, foreign_key="reports.id", ondelete="CASCADE", index=True
    )
    department_id: uuid.UUID = Field(foreign_key="departments.id", ondelete="RESTRICT")
    description: str = Field(max_length=2000)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="RESTRICT")
    due_on: date
    status: str = Field(default="open", max_length=16)
    category: str = Field(max_length=48)
    # Follows from the category (RCA² hierarchy); stored for filtering and the strength mix.
    strength: str = Field(max_length=16)
    effectiveness_measure: str = Field(max_length=1000)
    verification_note: str | None = Field(default=None, max_length=2000)
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    done_at: datetime | None = utc_field(nullable=True)
    verified_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_action_version)

    __mapper_args__ = {"version_id_col": _action_version}
