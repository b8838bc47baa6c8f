"""Report counts for insights' weekly releases.

A report counts in the week it *arrived* (``submitted_on``), not the week its event
occurred: a week's figures are released once, and a report about an event weeks old must
not change a week already shown (a lead who looked before and after would learn that one
report's harm, kind and category). Its kind, category and harm are those it has when the
week is released; a later reclassification changes no released week.

Reporters are told apart (the small-cell rules count the people behind a figure, so that
one person filing many reports cannot make a small cell appear) but never named: each
identified reporter of the week is a number local to one answer. Anonymous reports and
those posted by a service account have no reporter: they add to the counts but never to
the people behind them.
"""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col

from haven.core.weeks import week_end
from haven.reports.models import Report
from haven.reports.schemas import Category, Harm, ReleaseCount, ReportKind


def release_counts(session: Session, *, week: date) -> list[ReleaseCount]:
    """Reports submitted in the week starting on ``week`` (a Monday), grouped by department,
    kind, category, harm and reporter."""
    rows = session.execute(
        sa.select(
            col(Report.department_id),
            col(Report.kind),
            col(Report.category),
            col(Report.harm),
            col(Report.reporter_id),
            sa.func.count(),
        )
        .where(
            col(Report.submitted_on) >= week,
            col(Report.submitted_on) <= week_end(week),
        )
        .group_by(
            col(Report.department_id),
            col(Report.kind),
            col(Report.category),
            col(Report.harm),
            col(Report.reporter_id),
        )
    ).all()
    numbers: dict[uuid.UUID, int] = {}
    counts = []
    for department_id, kind, category, harm, reporter_id, n in rows:
        reporter = None
        if reporter_id is not None:
            reporter = numbers.setdefault(reporter_id, len(numbers))
        counts.append(
            ReleaseCount(
                department_id=department_id,
                kind=ReportKind(kind),
                category=Category(category),
                harm=Harm(harm),
                reporter=reporter,
                reports=int(n),
            )
        )
    return counts
