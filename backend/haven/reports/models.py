"""Report tables.

Anonymous reports keep nothing that could identify or time the reporter: no user id, no
time finer than the day (``submitted_on``), a random UUID, and the receipt only as an
argon2id hash. On SQLite the tables that anonymous submissions write to are created
``WITHOUT ROWID``, so their physical order is the random key, not the order of insertion.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field, version_column

_report_version = version_column()
_review_version = version_column()


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        sa.Index("ix_reports_submitted_on_id", "submitted_on", "id"),
        sa.Index("ix_reports_status_submitted_on_id", "status", "submitted_on", "id"),
        sa.Index("ix_reports_department_id_submitted_on_id", "department_id", "submitted_on", "id"),
        sa.Index("ix_reports_reporter_id_submitted_on_id", "reporter_id", "submitted_on", "id"),
        sa.Index("ix_reports_receipt_locator", "receipt_locator"),
        # The triage queue's occurred-on range filter.
        sa.Index("ix_reports_occurred_on", "occurred_on"),
        {"sqlite_with_rowid": False},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    mode: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    category: str = Field(max_length=48)
    subcategory: str | None = Field(default=None, max_length=80)
    harm: str = Field(max_length=16)
    ncc_merp: str | None = Field(default=None, max_length=1)
    occurred_on: date
    shift: str | None = Field(default=None, max_length=16)
    department_id: uuid.UUID = Field(foreign_key="departments.id", ondelete="RESTRICT")
    location: str | None = Field(default=None, max_length=200)
    description: str = Field(sa_type=sa.Text)
    immediate_actions: str | None = Field(default=None, sa_type=sa.Text)
    contributing_factors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(default="submitted", max_length=24)
    not_actionable_reason: str | None = Field(default=None, max_length=2000)
    outcome_summary: str | None = Field(default=None, max_length=4000)
    # Null for anonymous reports and for reports posted by a service account.
    reporter_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="RESTRICT")
    source: str = Field(default="web", max_length=32)
    submitted_on: date
    receipt_locator: str | None = Field(default=None, max_length=8)
    receipt_hash: str | None = Field(default=None, max_length=255)
    version: int = Field(default=1, sa_column=_report_version)

    __mapper_args__ = {"version_id_col": _report_version}


class ReportMessage(SQLModel, table=True):
    """A thread between the reporter and the safety team; ordered by ``seq`` per report.

    Messages from the reporter of an anonymous report carry only the day.
    """

    __tablename__ = "report_messages"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "seq"),
        {"sqlite_with_rowid": False},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="reports.id", ondelete="CASCADE")
    seq: int
    author_kind: str = Field(max_length=16)
    # Set for the safety team only; a reporter is implied by the report.
    author_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    body: str = Field(sa_type=sa.Text)
    created_on: date
    created_at: datetime | None = utc_field(nullable=True)


class ReportInvolvedStaff(SQLModel, table=True):
    """Staff involved in an event, named by a safety officer (for proactive outreach)."""

    __tablename__ = "report_involved_staff"

    report_id: uuid.UUID = Field(foreign_key="reports.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="RESTRICT")


class ReportRiskFlag(SQLModel, table=True):
    __tablename__ = "report_risk_flags"

    report_id: uuid.UUID = Field(foreign_key="reports.id", primary_key=True, ondelete="CASCADE")
    scenario: str = Field(max_length=64, primary_key=True)


class ReportSubcategory(SQLModel, table=True):
    """The organisation's own subcategories under the AHRQ categories."""

    __tablename__ = "report_subcategories"
    __table_args__ = (sa.UniqueConstraint("category", "name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    category: str = Field(max_length=48)
    name: str = Field(max_length=80)
    is_active: bool = True
    created_at: datetime = utc_field()


class JustCultureReview(SQLModel, table=True):
    """One pass of the just-culture guide over one action or omission."""

    __tablename__ = "just_culture_reviews"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True, ondelete="CASCADE")
    subject: str = Field(max_length=500)
    answers: dict[str, dict[str, object]] = Field(default_factory=dict, sa_type=sa.JSON)
    system_factors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    recommendation: str | None = Field(default=None, max_length=1)
    is_complete: bool = False
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    version: int = Field(default=1, sa_column=_review_version)

    __mapper_args__ = {"version_id_col": _review_version}


class JustCultureReviewRevision(SQLModel, table=True):
    """What a review said at each version, as facts emerged."""

    __tablename__ = "just_culture_review_revisions"

    review_id: uuid.UUID = Field(
        foreign_key="just_culture_reviews.id", primary_key=True, ondelete="CASCADE"
    )
    version: int = Field(primary_key=True)
    answers: dict[str, dict[str, object]] = Field(default_factory=dict, sa_type=sa.JSON)
    system_factors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    recommendation: str | None = Field(default=None, max_length=1)
    is_complete: bool = False
    changed_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    changed_at: datetime = utc_field()


class Lesson(SQLModel, table=True):
    """A de-identified lesson on the learning feed."""

    __tablename__ = "lessons"
    __table_args__ = (sa.Index("ix_lessons_published_at_id", "published_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    title: str = Field(max_length=200)
    summary: str = Field(sa_type=sa.Text)
    actions_taken: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    categories: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    contributing_factors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    published_at: datetime = utc_field()


class LessonReport(SQLModel, table=True):
    __tablename__ = "lesson_reports"

    lesson_id: uuid.UUID = Field(foreign_key="lessons.id", primary_key=True, ondelete="CASCADE")
    report_id: uuid.UUID = Field(
        foreign_key="reports.id", primary_key=True, ondelete="CASCADE", index=True
    )
