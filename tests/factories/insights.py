"""A small hospital with sixteen complete weeks of figures, for the insights tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from haven.checkins.models import StaffingShift
from haven.core import clock
from haven.core.weeks import monday_of
from tests.factories.checkins import (
    add_reports,
    default_template_id,
    load_responses,
    response_rows,
    shift_rows,
)
from tests.factories.org import make_department, make_person

WEEKS = 16
# Eight people a week, one of them highly stressed.
USUAL = [2, 2, 3, 2, 3, 2, 1, 4]


def after_release(week: date) -> datetime:
    """A moment when ``week`` has been released: the Thursday after it (its check-in
    period is over and the default 48 hours' grace has passed)."""
    return datetime.combine(week + timedelta(days=10), time(10), tzinfo=UTC)


@dataclass(frozen=True)
class Hospital:
    calm: uuid.UUID  # eight respondents a week, steady
    strained: uuid.UUID  # steady, then everyone highly stressed in the latest week
    tiny: uuid.UUID  # three respondents a week: always suppressed
    quiet: uuid.UUID  # six a week: the complement that protects ``tiny``
    weeks: list[date]  # oldest first; the last is the latest complete week

    @property
    def last(self) -> date:
        return self.weeks[-1]


def build_hospital(engine: Engine, *, reports: bool = True) -> Hospital:
    # The latest week is this one; Haven's clock moves on to a day when it has been released
    # (forward only: tokens are checked against the wall clock too).
    last = monday_of(clock.today())
    clock.set_clock(lambda: after_release(last))
    weeks = [last - timedelta(weeks=i) for i in range(WEEKS - 1, -1, -1)]
    calm = make_department(engine, "Calm Ward", "CALM")
    strained = make_department(engine, "Strained Ward", "STRAIN")
    tiny = make_department(engine, "Tiny Clinic", "TINY")
    quiet = make_department(engine, "Quiet Unit", "QUIET")
    template = default_template_id(engine)
    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = []
    for i, week in enumerate(weeks):
        latest = i == len(weeks) - 1
        for department, stress in (
            (calm, USUAL),
            (strained, [5] * 8 if latest else USUAL),
            (tiny, [3, 4, 2]),
            (quiet, [2, 3, 2, 4, 1, 3]),
        ):
            more = response_rows(template, department, week, stress)
            responses += more[0]
            answers += more[1]
            shifts += shift_rows(department, week, planned=10, actual=9, census=20)
    load_responses(engine, (responses, answers), first_week=weeks[0], last_week=weeks[-1])
    with engine.begin() as conn:
        conn.execute(sa.insert(StaffingShift.__table__), shifts)  # type: ignore[attr-defined]
    if reports:
        # named reports, one reporter each: a report figure counts the people behind it
        def people(n: int, department: uuid.UUID) -> list[uuid.UUID]:
            return [make_person(engine, department_id=department).id for _ in range(n)]

        add_reports(engine, calm, last + timedelta(days=2), 12, reporters=people(12, calm))
        add_reports(
            engine,
            calm,
            last + timedelta(days=3),
            2,
            category="fall",
            harm="moderate",
            reporters=people(2, calm),
        )
        add_reports(
            engine,
            strained,
            last + timedelta(days=1),
            9,
            kind="near_miss",
            reporters=people(9, strained),
        )
    return Hospital(calm=calm, strained=strained, tiny=tiny, quiet=quiet, weeks=weeks)
