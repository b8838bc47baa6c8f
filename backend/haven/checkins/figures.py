"""Check-in facts for insights' weekly releases beyond the weekly sums (``checkin_rollups``).

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
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from haven.checkins.models import CheckinAnswer, CheckinResponse, CheckinTemplate
from haven.checkins.periods import period_bounds
from haven.checkins.schemas import AnswerValues, CheckinPeriod


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
    return week + timedelta(days=6)
