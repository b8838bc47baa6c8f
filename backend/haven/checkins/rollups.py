"""The weekly sums insights read (``checkin_rollups``, ``checkin_rollup_answers``): rebuilt
from the responses, and checked against such a rebuild.

A batch moves the rollups by its own sums (:mod:`haven.checkins.batches`); a bulk load
rebuilds its periods' rollups. Either way they must equal what a rebuild from the stored
responses gives: :func:`rollup_differences` is that check, for operators (``haven db
check-rollups``) and after every test.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from haven.checkins.models import (
    NO_DEPARTMENT,
    CheckinAnswer,
    CheckinResponse,
    CheckinRollup,
    CheckinRollupAnswer,
    CheckinTemplateVersion,
)
from haven.checkins.schemas import QuestionType
from haven.core.db import new_session
from haven.core.weeks import monday_of


def sqlite_write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock now, before reading (an UPDATE that
    changes nothing), so what is read next is what the transaction writes against; a
    reader's snapshot could not write later once another writer had committed. Nothing
    on PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
        session.execute(
            sa.update(rollups).where(sa.false()).values(respondents=rollups.c.respondents)
        )


def rebuild_rollups(session: Session, *, start: date, end: date) -> None:
    """Recompute the rollups of a range of periods from the responses (a GROUP BY in SQL):
    for data loaded in bulk, and for repairs."""
    rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
    rollup_answers = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    responses = CheckinResponse.__table__  # type: ignore[attr-defined]
    answers = CheckinAnswer.__table__  # type: ignore[attr-defined]
    templates = session.exec(select(CheckinTemplateVersion)).all()
    scale_keys = {
        q["key"]
        for t in templates
        for q in t.questions
        if q.get("type") == QuestionType.scale_1_5.value
    }
    first = monday_of(start)
    session.execute(
        sa.delete(rollup_answers).where(
            rollup_answers.c.week_start >= first, rollup_answers.c.week_start <= end
        )
    )
    session.execute(
        sa.delete(rollups).where(rollups.c.week_start >= first, rollups.c.week_start <= end)
    )
    department_key = sa.func.coalesce(responses.c.department_id, sa.literal(NO_DEPARTMENT))
    in_range = sa.and_(responses.c.period_start >= first, responses.c.period_start <= end)
    session.execute(
        sa.insert(rollups).from_select(
            ["week_start", "department_key", "respondents"],
            sa.select(responses.c.period_start, department_key, sa.func.count())
            .where(in_range)
            .group_by(responses.c.period_start, department_key),
        )
    )
    is_scale = answers.c.question_key.in_(sorted(scale_keys)) if scale_keys else sa.false()
    high = sa.case((is_scale, sa.case((answers.c.value >= 4, 1), else_=0)), else_=answers.c.value)
    session.execute(
        sa.insert(rollup_answers).from_select(
            ["week_start", "department_key", "question_key", "answered", "total", "high"],
            sa.select(
                responses.c.period_start,
                department_key,
                answers.c.question_key,
                sa.func.count(),
                sa.func.sum(answers.c.value),
                sa.func.sum(high),
            )
            .join(answers, answers.c.response_id == responses.c.id)
            .where(in_range, answers.c.value.is_not(None))
            .group_by(responses.c.period_start, department_key, answers.c.question_key),
        )
    )


@dataclass(frozen=True)
class RollupDifference:
    """A rollup row that differs from a rebuild: ``stored`` or ``rebuilt`` is None when the
    row exists on one side only. The values are named after the table's columns."""

    table: str
    week_start: date
    department_key: uuid.UUID  # NO_DEPARTMENT for answers stored without a department
    question_key: str | None  # checkin_rollup_answers only
    stored: dict[str, int] | None
    rebuilt: dict[str, int] | None

    def describe(self) -> str:
        """One line for an operator."""
        department = (
            "no department" if self.department_key == NO_DEPARTMENT else str(self.department_key)
        )
        where = f"{self.table}, week {self.week_start.isoformat()}, {department}"
        if self.question_key is not None:
            where += f", question {self.question_key}"

        def values(row: dict[str, int] | None) -> str:
            return "missing" if row is None else " ".join(f"{k}={v}" for k, v in row.items())

        return f"{where}: stored {values(self.stored)}, rebuilt {values(self.rebuilt)}"


_Key = tuple[str, date, uuid.UUID, str | None]


def rollup_differences(engine: Engine) -> list[RollupDifference]:
    """Compare the stored rollups with a rebuild from the responses (:func:`rebuild_rollups`
    over every week either holds), in a transaction of its own that is rolled back: nothing
    changes. Other writers of the rollups wait meanwhile, so the stored rows and the
    responses are read as they stand together. Empty: the rollups are right."""
    with new_session(engine) as session:
        try:
            return _differences(session)
        finally:
            session.rollback()


def _differences(session: Session) -> list[RollupDifference]:
    sqlite_write_lock(session)
    if session.get_bind().dialect.name == "postgresql":
        # Self-exclusive, and blocks writers only: readers go on; a batch waits.
        session.execute(
            sa.text(
                "LOCK TABLE checkin_rollups, checkin_rollup_answers IN SHARE ROW EXCLUSIVE MODE"
            )
        )
    rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
    rollup_answers = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    responses = CheckinResponse.__table__  # type: ignore[attr-defined]
    weeks = sa.union_all(
        sa.select(rollups.c.week_start.label("day")),
        sa.select(rollup_answers.c.week_start.label("day")),
        sa.select(responses.c.period_start.label("day")),
    ).subquery()
    first, last = session.execute(
        sa.select(sa.func.min(weeks.c.day), sa.func.max(weeks.c.day))
    ).one()
    if first is None:
        return []
    stored = _rollup_rows(session)
    rebuild_rollups(session, start=first, end=last)
    rebuilt = _rollup_rows(session)
    return [
        RollupDifference(
            table=key[0],
            week_start=key[1],
            department_key=key[2],
            question_key=key[3],
            stored=stored.get(key),
            rebuilt=rebuilt.get(key),
        )
        for key in sorted(
            stored.keys() | rebuilt.keys(), key=lambda k: (k[0], k[1], str(k[2]), k[3] or "")
        )
        if stored.get(key) != rebuilt.get(key)
    ]


def _rollup_rows(session: Session) -> dict[_Key, dict[str, int]]:
    rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
    rollup_answers = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    rows: dict[_Key, dict[str, int]] = {}
    for week, department, respondents in session.execute(
        sa.select(rollups.c.week_start, rollups.c.department_key, rollups.c.respondents)
    ):
        rows[("checkin_rollups", week, department, None)] = {"respondents": respondents}
    for week, department, question, answered, total, high in session.execute(
        sa.select(
            rollup_answers.c.week_start,
            rollup_answers.c.department_key,
            rollup_answers.c.question_key,
            rollup_answers.c.answered,
            rollup_answers.c.total,
            rollup_answers.c.high,
        )
    ):
        rows[("checkin_rollup_answers", week, department, question)] = {
            "answered": answered,
            "total": total,
            "high": high,
        }
    return rows
