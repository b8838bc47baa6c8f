"""Staffing: planned and actual staff and the patient census per department, day and
shift, recorded by leads or a staffing system (one shift, or a batch: all or nothing), and
the weekly staffing figures insights read.

Decision (see :mod:`haven.checkins`): staffing lives beside check-ins rather than in a
domain of its own; its access rules are in ``policy``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.checkins import policy
from haven.checkins.models import StaffingShift
from haven.checkins.schemas import (
    ShiftBatch,
    ShiftBatchResult,
    ShiftRead,
    ShiftWrite,
    StaffingWeekFigures,
)
from haven.core import audit, clock
from haven.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unprocessable,
    field_error,
)
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.versioning import etag_for, require_if_match
from haven.core.weeks import monday_of, week_start
from haven.org import service as org_service
from haven.org.schemas import Shift

OLDEST_SHIFT = timedelta(days=3653)
FURTHEST_PLANNED_SHIFT = timedelta(days=366)


def _shift_read(shift: StaffingShift) -> ShiftRead:
    return ShiftRead(
        id=shift.id,
        department_id=shift.department_id,
        shift_on=shift.shift_on,
        shift=Shift(shift.shift),
        planned_staff=shift.planned_staff,
        actual_staff=shift.actual_staff,
        patient_census=shift.patient_census,
        source=shift.source,
        version=shift.version,
        updated_at=shift.updated_at,
    )


def _source(principal: Principal) -> str:
    return "api" if principal.kind == "api_key" else "web"


def _date_error(day: date, where: str) -> FieldError | None:
    today = clock.today()
    if day < today - OLDEST_SHIFT or day > today + FURTHEST_PLANNED_SHIFT:
        return field_error(where, "Give a day within the last ten years or the coming year.")
    return None


def _find_shift(
    session: Session, department_id: uuid.UUID, shift_on: date, shift: str
) -> StaffingShift | None:
    return session.exec(
        select(StaffingShift).where(
            col(StaffingShift.department_id) == department_id,
            col(StaffingShift.shift_on) == shift_on,
            col(StaffingShift.shift) == shift,
        )
    ).first()


def _apply(shift: StaffingShift, data: ShiftWrite, principal: Principal) -> None:
    shift.planned_staff = data.planned_staff
    shift.actual_staff = data.actual_staff
    shift.patient_census = data.patient_census
    shift.source = _source(principal)
    shift.updated_at = clock.now()


def _new_shift(data: ShiftWrite, principal: Principal) -> StaffingShift:
    now = clock.now()
    return StaffingShift(
        department_id=data.department_id,
        shift_on=data.shift_on,
        shift=data.shift.value,
        planned_staff=data.planned_staff,
        actual_staff=data.actual_staff,
        patient_census=data.patient_census,
        source=_source(principal),
        created_at=now,
        updated_at=now,
    )


def record_shift(
    session: Session, principal: Principal, *, data: ShiftWrite, if_match: str | None
) -> tuple[ShiftRead, bool]:
    """Record a shift, or replace it (with If-Match). Returns the shift and whether it is new."""
    if not policy.can_record_staffing(principal, data.department_id):
        raise Forbidden(
            "You can record staffing for your own department only.",
            errors=[field_error("department_id", "Not your department.")],
        )
    org_service.require_active_department(session, data.department_id)
    problem = _date_error(data.shift_on, "shift_on")
    if problem is not None:
        raise Unprocessable("The day of the shift is out of range.", errors=[problem])
    existing = _find_shift(session, data.department_id, data.shift_on, data.shift.value)
    if existing is None:
        if if_match is not None:
            raise PreconditionFailed("No shift is recorded yet for this department, day and shift.")
        shift = _new_shift(data, principal)
        session.add(shift)
        session.flush()
        audit.record_event(
            session, principal, action="staffing.recorded", object_type="shift", object_id=shift.id
        )
        return _shift_read(shift), True
    if if_match is None:
        raise Conflict(
            "This department's shift on that day is already recorded. Send If-Match with its "
            "ETag to replace it.",
            headers={"ETag": etag_for(existing.version)},
        )
    require_if_match(if_match, existing.version)
    _apply(existing, data, principal)
    session.add(existing)
    session.flush()
    audit.record_event(
        session, principal, action="staffing.replaced", object_type="shift", object_id=existing.id
    )
    return _shift_read(existing), False


def load_shifts(session: Session, *, rows: Sequence[ShiftWrite]) -> None:
    """Load staffing figures in bulk with no caller (the demo, imports): new shifts only."""
    now = clock.now()
    session.execute(
        sa.insert(StaffingShift.__table__),  # type: ignore[attr-defined]
        [
            {
                "id": uuid.uuid4(),
                "department_id": row.department_id,
                "shift_on": row.shift_on,
                "shift": row.shift.value,
                "planned_staff": row.planned_staff,
                "actual_staff": row.actual_staff,
                "patient_census": row.patient_census,
                "source": "import",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for row in rows
        ],
    )


def record_shift_batch(
    session: Session, principal: Principal, *, data: ShiftBatch
) -> ShiftBatchResult:
    """All rows or none: every row's problems are reported, by row."""
    errors: list[FieldError] = []
    active = set(org_service.active_department_ids(session))
    seen: set[tuple[uuid.UUID, date, str]] = set()
    for i, row in enumerate(data.rows):
        where = f"rows.{i}"
        if not policy.can_record_staffing(principal, row.department_id):
            errors.append(field_error(f"{where}.department_id", "Not your department."))
        elif row.department_id not in active:
            errors.append(field_error(f"{where}.department_id", "Choose an active department."))
        problem = _date_error(row.shift_on, f"{where}.shift_on")
        if problem is not None:
            errors.append(problem)
        key = (row.department_id, row.shift_on, row.shift.value)
        if key in seen:
            errors.append(field_error(where, "The same department, day and shift appear twice."))
        seen.add(key)
    if errors:
        raise Unprocessable("Some rows are not valid; nothing was recorded.", errors=errors)
    departments = sorted({row.department_id for row in data.rows})
    first = min(row.shift_on for row in data.rows)
    last = max(row.shift_on for row in data.rows)
    existing = {
        (s.department_id, s.shift_on, s.shift): s
        for s in session.exec(
            select(StaffingShift).where(
                col(StaffingShift.department_id).in_(departments),
                col(StaffingShift.shift_on) >= first,
                col(StaffingShift.shift_on) <= last,
            )
        ).all()
    }
    for i, row in enumerate(data.rows):
        current = existing.get((row.department_id, row.shift_on, row.shift.value))
        where = f"rows.{i}.version"
        if current is None and row.version is not None:
            errors.append(field_error(where, "No such shift is recorded yet: leave version out."))
        elif current is not None and row.version is None:
            errors.append(
                field_error(where, f"Already recorded (version {current.version}): send it.")
            )
        elif current is not None and row.version != current.version:
            errors.append(field_error(where, f"Changed since: the version is {current.version}."))
    if errors:
        raise Conflict(
            "Some rows conflict with recorded shifts; nothing was recorded.", errors=errors
        )
    created = replaced = 0
    shifts: list[StaffingShift] = []
    for row in data.rows:
        current = existing.get((row.department_id, row.shift_on, row.shift.value))
        if current is None:
            current = _new_shift(row, principal)
            created += 1
        else:
            _apply(current, row, principal)
            replaced += 1
        session.add(current)
        shifts.append(current)
    session.flush()
    audit.record_event(
        session, principal, action="staffing.batch_recorded", object_type="shift", object_id=None
    )
    return ShiftBatchResult(
        created=created, replaced=replaced, items=[_shift_read(s) for s in shifts]
    )


def list_shifts(
    session: Session,
    principal: Principal,
    *,
    params: PageParams,
    department_id: uuid.UUID | None = None,
    from_: date | None = None,
    to: date | None = None,
) -> tuple[list[ShiftRead], str | None]:
    """Newest day first."""
    stmt = policy.scope_shifts(select(StaffingShift), principal)
    if department_id is not None:
        stmt = stmt.where(col(StaffingShift.department_id) == department_id)
    if from_ is not None:
        stmt = stmt.where(col(StaffingShift.shift_on) >= from_)
    if to is not None:
        stmt = stmt.where(col(StaffingShift.shift_on) <= to)
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(StaffingShift.shift_on), col(StaffingShift.id)],
        params=params,
        descending=True,
    )
    return [_shift_read(s) for s in rows], cursor


def get_shift(session: Session, principal: Principal, *, shift_id: uuid.UUID) -> ShiftRead:
    shift = session.get(StaffingShift, shift_id)
    if shift is None or not policy.can_view_shift(principal, shift):
        raise NotFound("No such shift.")
    return _shift_read(shift)


def weekly_staffing_figures(
    session: Session, *, start: date, end: date
) -> list[StaffingWeekFigures]:
    """Staffing per department and week, grouped in SQL: per day first (a day's patient
    census is the mean over its shifts), then per week."""
    connection = session.connection()
    s = StaffingShift.__table__  # type: ignore[attr-defined]
    census_staff = sa.case((s.c.patient_census.is_not(None), s.c.actual_staff), else_=0)
    days = (
        sa.select(
            s.c.department_id,
            s.c.shift_on,
            sa.func.count().label("shifts"),
            sa.func.sum(s.c.planned_staff).label("planned"),
            sa.func.sum(s.c.actual_staff).label("actual"),
            sa.func.count(s.c.patient_census).label("census_shifts"),
            sa.func.coalesce(sa.func.sum(s.c.patient_census), 0).label("census"),
            sa.func.sum(census_staff).label("census_staff"),
            sa.func.avg(s.c.patient_census).label("day_census"),
        )
        .where(s.c.shift_on >= monday_of(start), s.c.shift_on <= end)
        .group_by(s.c.department_id, s.c.shift_on)
        .subquery()
    )
    week = week_start(days.c.shift_on)
    rows = connection.execute(
        sa.select(
            days.c.department_id,
            week.label("week"),
            sa.func.sum(days.c.shifts),
            sa.func.sum(days.c.planned),
            sa.func.sum(days.c.actual),
            sa.func.sum(days.c.census_shifts),
            sa.func.sum(days.c.census),
            sa.func.sum(days.c.census_staff),
            sa.func.coalesce(sa.func.sum(days.c.day_census), 0),
        ).group_by(days.c.department_id, week)
    ).all()
    return [
        StaffingWeekFigures(
            department_id=row[0],
            week_start=_as_date(row[1]),
            shifts=int(row[2]),
            planned_staff=int(row[3]),
            actual_staff=int(row[4]),
            census_shifts=int(row[5]),
            patient_census=int(row[6]),
            census_staff=int(row[7]),
            patient_days=float(row[8]),
        )
        for row in rows
    ]


def _as_date(value: date | str) -> date:
    # SQLite's date() returns text; PostgreSQL returns a date.
    return value if isinstance(value, date) else date.fromisoformat(value)
