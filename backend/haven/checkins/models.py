"""Check-in and staffing tables.

The promise of check-ins: nobody can tell which answers are whose, not even with the whole
database in hand. So:

* ``checkin_participations`` says only that a person answered in a period (to allow one
  answer per period); it has no id of its own and no time.
* ``checkin_responses`` and ``checkin_answers`` hold department, profession, period,
  template version and the answers; no user, no time at all, and a random id.
* Every submission rewrites its whole cell (department and period): every response of the
  cell gets a fresh random id and is written again in a random order, in the submitter's
  transaction. So no row order (SQLite's key order, PostgreSQL's ``ctid``) and no system
  column (PostgreSQL's ``xmin``, shared by all rows of the cell) matches one response to
  one participation. On SQLite these tables are ``WITHOUT ROWID``: no insertion counter.
* ``checkin_rollups`` / ``checkin_rollup_answers`` keep the weekly sums per department that
  insights read (the cell's rollup row is also the lock that serialises a cell's writers).
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
    profession: str = Field(max_length=32)
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
