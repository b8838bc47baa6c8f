"""Anonymous feedback after closing (was it helpful, 1 to 5, and a comment) and its summary
for the coordinator: the program's quality measure, shown only in aggregates."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.errors import Conflict, Forbidden
from haven.core.security import Principal
from haven.support import resources, sealing, views
from haven.support.models import SupportFeedback
from haven.support.schemas import (
    RequestStatus,
    RequestView,
    SupportFeedbackCreate,
    SupportFeedbackSummary,
)


def give_feedback(
    session: Session, principal: Principal, *, request_id: uuid.UUID, data: SupportFeedbackCreate
) -> None:
    """Anonymous: the row keeps the answer and the day, not the request or the person, and
    no audit row is written (its time would link the two)."""
    request, view = views.load_request(session, principal, request_id)
    if view is not RequestView.requester:
        raise Forbidden("Only the person supported gives feedback.")
    if request.status != RequestStatus.closed or request.purged_at is not None:
        raise Conflict("Feedback is given once the request is closed.")
    if request.feedback_given:
        raise Conflict("You already gave feedback on this request. Thank you.")
    feedback_id = uuid.uuid4()
    comment = sealing.seal_texts(
        session, record_id=feedback_id, texts={sealing.SealedField.comment: data.comment}
    )[sealing.SealedField.comment]
    session.add(
        SupportFeedback(
            id=feedback_id, helpful=data.helpful, comment_sealed=comment, given_on=clock.today()
        )
    )
    request.feedback_given = True
    session.add(request)
    session.flush()


def _open_comments(session: Session, rows: Sequence[tuple[uuid.UUID, str | None]]) -> list[str]:
    """Feedback comments, opened with their keys (a purged one is simply not there)."""
    sealing.load_keys(session, [feedback_id for feedback_id, _ in rows])
    opened = (
        sealing.open_or_none(
            session, record_id=feedback_id, field=sealing.SealedField.comment, sealed=sealed
        )
        for feedback_id, sealed in rows
    )
    return [c for c in opened if c]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def feedback_summary(session: Session, *, since: date | None = None) -> SupportFeedbackSummary:
    """Aggregates of the anonymous feedback, over whole calendar months that have ended and
    hold at least ``feedback_min_answers`` answers each, from the first month that starts
    on or after ``since``.

    Why months: feedback counts in the month it was given, and a month that has ended gets
    no more; so every figure shown here is a sum of months that never change, and no two
    looks (before and after one more answer, or from two ``since`` days a day apart) differ
    by one person's answer. A month with fewer answers than the minimum is left out of
    every summary, so no range can be narrowed to it by subtraction."""
    minimum = resources.settings().feedback_min_answers
    this_month = _month_start(clock.today())
    first = None
    if since is not None:
        first = _month_start(since)
        if first < since:
            first = (first + timedelta(days=32)).replace(day=1)
    stmt = (
        sa.select(col(SupportFeedback.given_on), col(SupportFeedback.helpful), sa.func.count())
        .where(col(SupportFeedback.given_on) < this_month)
        .group_by(col(SupportFeedback.given_on), col(SupportFeedback.helpful))
    )
    if first is not None:
        stmt = stmt.where(col(SupportFeedback.given_on) >= first)
    by_month: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for given_on, helpful, n in session.execute(stmt).all():
        by_month[_month_start(given_on)][int(helpful)] += int(n)
    months = sorted(m for m, d in by_month.items() if sum(d.values()) >= minimum)
    distribution: dict[int, int] = defaultdict(int)
    for month in months:
        for helpful, n in by_month[month].items():
            distribution[helpful] += n
    answers = sum(distribution.values())
    if not months:
        return SupportFeedbackSummary(
            answers=None,
            average_helpful=None,
            distribution=None,
            comments=None,
            min_answers=minimum,
            suppressed=True,
            months=[],
        )
    comments_stmt = select(SupportFeedback.id, SupportFeedback.comment_sealed).where(
        col(SupportFeedback.comment_sealed).is_not(None),
        sa.or_(
            *(
                sa.and_(
                    col(SupportFeedback.given_on) >= month,
                    col(SupportFeedback.given_on) < (month + timedelta(days=32)).replace(day=1),
                )
                for month in months
            )
        ),
    )
    comments = _open_comments(session, session.exec(comments_stmt).all())
    random.SystemRandom().shuffle(comments)
    total = sum(h * n for h, n in distribution.items())
    return SupportFeedbackSummary(
        answers=answers,
        average_helpful=round(total / answers, 2),
        distribution={h: distribution.get(h, 0) for h in range(1, 6)},
        comments=comments,
        min_answers=minimum,
        suppressed=False,
        months=months,
    )
