"""Check-in and staffing tables.

The promise of check-ins: nobody can tell which answers are whose, not even with the whole
database in hand, its write-ahead log, or its old row versions. So:

* ``checkin_participations`` says only that a person answered in a period (to allow one
  answer per period); it has no id of its own and no time.
* ``checkin_responses`` and ``checkin_answers`` hold department, profession, period,
  template version and the answers; no user, no time at all, and a random id.
* Nothing is written when someone answers. Answers are written in batches of at least k
  (``HAVEN_INSIGHTS_MIN_CELL_SIZE``), each batch in one transaction that writes the
  batch's participations and responses together: one commit in SQLite's WAL, one
  transaction id (``xmin``) on PostgreSQL. The participations and the responses are each
  inserted in an order drawn on its own (SystemRandom), so neither line-pointer order
  (``ctid``), the order of cells in an SQLite page, key order (random ids; these tables
  are ``WITHOUT ROWID`` on SQLite) nor frame order matches one to the other: a response is
  "one of these k people" and no less.
* Quasi-identifiers: every (period, department, profession) group written by a batch has
  at least k members (``profession`` is NULL where the batch had fewer of a profession);
  a (period, department) group below k exists only under no department (NULL), from the
  answers left over when a period ends, from bulk loads, and from data stored before
  migration 0012.
* ``checkin_rollups`` / ``checkin_rollup_answers`` keep the weekly sums per department that
  insights read; each batch moves a row by its own sums in one statement, so no two
  versions of a row (PostgreSQL keeps the old ones until VACUUM) differ by fewer than k
  respondents.
* Responses are never rewritten or deleted, so no deleted row's bytes are left in pages.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field, version_column

_template_version = version_column()
_shift_version = version_column()

# The rollups' stand-in for "no department" (a primary key cannot hold NULL).
NO_DEPARTMENT = uuid.UUID(int=0)


class CheckinTemplate(SQLModel, table=True):
    __tablename__ = "checkin_templates"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120)
    period: str = Field(default="weekly", max_length=16)
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    is_active: bool = False
    version: int = Field(default=1, sa_column=_template_version)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _template_version}


class CheckinTemplateVersion(SQLModel, table=True):
    """The questions as they were at each version, so old answers keep their meaning."""

    __tablename__ = "checkin_template_versions"

    template_id: uuid.UUID = Field(
        foreign_key="checkin_templates.id", primary_key=True, ondelete="CASCADE"
    )
    version: int = Field(primary_key=True)
    period: str = Field(max_length=16)
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    created_at: datetime = utc_field()


class CheckinParticipation(SQLModel, table=True):
    """That a person answered in a period, and nothing else (see the module docstring)."""

    __tablename__ = "checkin_participations"
    __table_args__ = ({"sqlite_with_rowid": False},)

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    period_start: date = Field(primary_key=True)


class CheckinResponse(SQLModel, table=True):
    __tablename__ = "checkin_responses"
    __table_args__ = (
        sa.Index(
            "ix_checkin_responses_period_start_department_id", "period_start", "department_id"
        ),
        {"sqlite_with_rowid": False},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    template_id: uuid.UUID = Field(foreign_key="checkin_templates.id", ondelete="RESTRICT")
    template_version: int
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="RESTRICT"
    )
    # NULL: generalised, the batch had fewer than k of this profession (see above).
    profession: str | None = Field(default=None, max_length=32)
    period_start: date


class CheckinAnswer(SQLModel, table=True):
    __tablename__ = "checkin_answers"
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: uuid.UUID = Field(
        foreign_key="checkin_responses.id", primary_key=True, ondelete="CASCADE"
    )
    question_key: str = Field(max_length=40, primary_key=True)
    # 1-5 for a scale, 1/0 for yes/no; short text goes in ``text``.
    value: int | None = None
    text: str | None = Field(default=None, max_length=500)


class CheckinRollup(SQLModel, table=True):
    """Respondents per week and department (``NO_DEPARTMENT`` for people without one)."""

    __tablename__ = "checkin_rollups"

    week_start: date = Field(primary_key=True)
    department_key: uuid.UUID = Field(primary_key=True)
    respondents: int = 0


class CheckinRollupAnswer(SQLModel, table=True):
    """Per question: how many answered, the sum of the values, and how many were high
    (4-5 on a scale, yes on a yes/no question)."""

    __tablename__ = "checkin_rollup_answers"

    week_start: date = Field(primary_key=True)
    department_key: uuid.UUID = Field(primary_key=True)
    question_key: str = Field(max_length=40, primary_key=True)
    answered: int = 0
    total: int = 0
    high: int = 0


class StaffingShift(SQLModel, table=True):
    """Planned and actual staff and the patient census of one department's shift."""

    __tablename__ = "staffing_shifts"
    __table_args__ = (
        sa.UniqueConstraint("department_id", "shift_on", "shift"),
        # Covers the weekly figures: a range of days, every department, no table look-ups.
        sa.Index(
            "ix_staffing_shifts_shift_on_department_id",
            "shift_on",
            "department_id",
            "planned_staff",
            "actual_staff",
            "patient_census",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    department_id: uuid.UUID = Field(foreign_key="departments.id", ondelete="RESTRICT")
    shift_on: date
    shift: str = Field(max_length=16)
    planned_staff: int
    actual_staff: int
    patient_census: int | None = None
    source: str = Field(default="web", max_length=16)
    version: int = Field(default=1, sa_column=_shift_version)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _shift_version}
