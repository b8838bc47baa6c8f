"""What insights read of check-ins: the questions reported on, the weekly sums per
department (from ``checkin_rollups``), and per period its last day and the answers given.

A respondent knows their own answer. Before a period's figures are released with some
cells hidden, insights checks that nobody can work a hidden cell out even with one answer
of it in hand; for that it needs, per department and question, the distinct answers given
(:class:`~haven.checkins.schemas.AnswerValues`), read here from the stored answers of the
period. Nothing here names anyone: answers are stored without people (see ``models``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from haven.checkins.models import (
    NO_DEPARTMENT,
    CheckinAnswer,
    CheckinResponse,
    CheckinRollup,
    CheckinRollupAnswer,
    CheckinTemplate,
)
from haven.checkins.periods import period_bounds
from haven.checkins.schemas import (
    AnswerValues,
    CheckinPeriod,
    CheckinWeekFigures,
    QuestionRead,
    QuestionType,
    QuestionWeekFigures,
)
from haven.checkins.templates import active_template, template_questions
from haven.core.weeks import monday_of, week_end


def insight_questions(session: Session) -> list[QuestionRead]:
    """The active check-in's scale and yes/no questions: what insights report on."""
    template = active_template(session)
    if template is None:
        return []
    return [
        q
        for q in template_questions(template)
        if q.type in (QuestionType.scale_1_5, QuestionType.yes_no)
    ]


def weekly_checkin_figures(session: Session, *, start: date, end: date) -> list[CheckinWeekFigures]:
    """Respondents and per-question sums per department and week (from the rollups)."""
    connection = session.connection()
    first = monday_of(start)
    rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
    answers = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    by_cell: dict[tuple[date, object], list[QuestionWeekFigures]] = defaultdict(list)
    # Department keys repeat: read them as stored and parse each once.
    ids: dict[object, uuid.UUID | None] = {}

    def department(raw: object) -> uuid.UUID | None:
        if raw not in ids:
            parsed = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
            ids[raw] = None if parsed == NO_DEPARTMENT else parsed
        return ids[raw]

    for week, key, question, answered, total, high in connection.execute(
        sa.select(
            answers.c.week_start,
            sa.type_coerce(answers.c.department_key, sa.String),
            answers.c.question_key,
            answers.c.answered,
            answers.c.total,
            answers.c.high,
        ).where(answers.c.week_start >= first, answers.c.week_start <= end)
    ).all():
        by_cell[(week, key)].append(QuestionWeekFigures(question, answered, total, high))
    return [
        CheckinWeekFigures(department(key), week, respondents, tuple(by_cell[(week, key)]))
        for week, key, respondents in connection.execute(
            sa.select(
                rollups.c.week_start,
                sa.type_coerce(rollups.c.department_key, sa.String),
                rollups.c.respondents,
            ).where(rollups.c.week_start >= first, rollups.c.week_start <= end)
        ).all()
    ]


def answer_values(
    session: Session, *, period_start: date, keys: Iterable[str]
) -> list[AnswerValues]:
    """Per department and question (of ``keys``), the distinct answers of the period."""
    responses = CheckinResponse.__table__  # type: ignore[attr-defined]
    answers = CheckinAnswer.__table__  # type: ignore[attr-defined]
    values: dict[tuple[uuid.UUID | None, str], set[int]] = defaultdict(set)
    for department_id, key, value in session.execute(
        sa.select(responses.c.department_id, answers.c.question_key, answers.c.value)
        .join(responses, responses.c.id == answers.c.response_id)
        .where(
            responses.c.period_start == period_start,
            answers.c.value.is_not(None),
            answers.c.question_key.in_(sorted(keys)),
        )
        .distinct()
    ).all():
        values[(department_id, key)].add(int(value))
    return [
        AnswerValues(department_id=d, question_key=k, values=frozenset(v))
        for (d, k), v in values.items()
    ]


def period_end(session: Session, *, week: date) -> date:
    """The last day of the check-in period whose answers count in ``week`` (a Monday): the
    week's Sunday, or for a fortnightly check-in the second Sunday when the week starts a
    fortnight (a fortnight's answers count in its first week, see ``service``)."""
    period = session.execute(
        sa.select(CheckinTemplate.period)  # type: ignore[call-overload]
        .where(CheckinTemplate.is_active.is_(True))  # type: ignore[attr-defined]
        .order_by(CheckinTemplate.updated_at.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).scalar()
    if period == CheckinPeriod.fortnightly.value:
        start, end = period_bounds(CheckinPeriod.fortnightly, week)
        if start == week:
            return end
    return week_end(week)
