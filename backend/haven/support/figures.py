"""Program figures, all counted in SQL: the coordinator's (:func:`program_metrics`: time to
first contact against target, requests by tier, feedback) and insights' (:func:`weekly_figures`
per department and week, and :func:`release_figures` for the weekly releases: the week's
counts with the facts the small-cell rules need about the people behind them).

A request counts in the week it was made (``week_start``). Its *creator* is the person who
asked: the requester, or for a referral the colleague who referred them. Creators are told
apart only inside this computation: the release needs how many there are and what each one
contributed (as an anonymous list: what one insider may know). Requests already purged
(their people emptied by retention) have no known creator: they are counted, never as a
creator, and are assumed to be known to every creator (the cautious assumption).
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from haven.core import clock
from haven.core.weeks import monday_of
from haven.support import resources
from haven.support.feedback import feedback_summary
from haven.support.models import SupportRequest
from haven.support.schemas import (
    OPEN_STATUSES,
    CreatorShare,
    ProgramMetrics,
    RequestKind,
    RequestStatus,
    SupportRelease,
    SupportReleaseFigures,
    SupportWeekFigures,
    TierCount,
    Urgency,
    UrgencyMetrics,
)


@dataclass
class _Tally:
    requests: int = 0
    requesters: int = 0
    first_contacts: int = 0
    within_target: int = 0

    def add(self, *, requester_first: bool, contacted: bool, in_target: bool) -> None:
        self.requests += 1
        self.requesters += int(requester_first)
        self.first_contacts += int(contacted)
        self.within_target += int(in_target)

    def share(self, unknown: _Tally) -> CreatorShare:
        q = self.requests + unknown.requests
        f = self.first_contacts + unknown.first_contacts
        w = self.within_target + unknown.within_target
        return (q, self.requesters + unknown.requesters, f, w, q - f, f - w)


def _median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 2) if values else None


def program_metrics(session: Session, *, since: date) -> ProgramMetrics:
    """The coordinator's figures: counts are aggregated in SQL; the median time to first
    contact per urgency is taken in Python over that one column (SQLite has no median)."""
    now = clock.now()
    start = datetime.combine(since, datetime.min.time(), tzinfo=now.tzinfo)
    in_period = col(SupportRequest.created_at) >= start
    within = sa.case(
        (col(SupportRequest.first_contact_at) <= col(SupportRequest.due_at), 1), else_=0
    )
    by_urgency_rows = session.execute(
        sa.select(
            col(SupportRequest.urgency),
            sa.func.count(),
            sa.func.count(col(SupportRequest.first_contact_at)),
            sa.func.coalesce(sa.func.sum(within), 0),
        )
        .where(in_period)
        .group_by(col(SupportRequest.urgency))
    ).all()
    counts = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in by_urgency_rows}
    minutes: dict[str, list[float]] = defaultdict(list)
    for urgency, value in session.execute(
        sa.select(col(SupportRequest.urgency), col(SupportRequest.minutes_to_first_contact)).where(
            in_period, col(SupportRequest.minutes_to_first_contact).is_not(None)
        )
    ).all():
        minutes[urgency].append(float(value))
    targets = resources.targets()
    by_urgency = [
        UrgencyMetrics(
            urgency=u,
            target_minutes=targets[u],
            requests=counts.get(u.value, (0, 0, 0))[0],
            first_contacts=counts.get(u.value, (0, 0, 0))[1],
            within_target=counts.get(u.value, (0, 0, 0))[2],
            median_minutes_to_first_contact=_median(minutes.get(u.value, [])),
        )
        for u in Urgency
    ]
    tiers = dict(
        session.execute(
            sa.select(col(SupportRequest.tier), sa.func.count())
            .where(in_period)
            .group_by(col(SupportRequest.tier))
        ).all()
    )
    open_count = session.execute(
        sa.select(sa.func.count()).where(
            col(SupportRequest.status).in_([s.value for s in OPEN_STATUSES])
        )
    ).scalar_one()
    overdue_count = session.execute(
        sa.select(sa.func.count()).where(
            col(SupportRequest.status).in_([RequestStatus.new.value, RequestStatus.assigned.value]),
            col(SupportRequest.first_contact_at).is_(None),
            col(SupportRequest.due_at) < now,
        )
    ).scalar_one()
    return ProgramMetrics(
        since=since,
        by_urgency=by_urgency,
        by_tier=[TierCount(tier=t, requests=int(tiers.get(t, 0))) for t in (1, 2, 3)],
        open_requests=int(open_count),
        overdue_requests=int(overdue_count),
        feedback=feedback_summary(session, since=since),
    )


def weekly_figures(session: Session, *, start: date, end: date) -> list[SupportWeekFigures]:
    """Support figures per requester department and week, for weeks starting from the Monday
    of ``start`` through ``end``, all computed in SQL: counts by GROUP BY; the median time to
    first contact from the one or two middle rows of each group, picked by window functions
    (``row_number``/``count`` over the group: SQLite has no median aggregate), so only those
    rows leave the database. ``requesters`` counts distinct people through each request's
    ``first_in_week`` bit, which survives the retention purge."""
    connection = session.connection()
    first = monday_of(start)
    within = sa.case(
        (col(SupportRequest.first_contact_at) <= col(SupportRequest.due_at), 1), else_=0
    )
    in_range = sa.and_(
        col(SupportRequest.week_start) >= first, col(SupportRequest.week_start) <= end
    )
    # Department ids as text: parsed once per department, not once per row.
    department = sa.type_coerce(col(SupportRequest.department_id), sa.String)
    week = col(SupportRequest.week_start)
    rows = connection.execute(
        sa.select(
            department,
            week,
            sa.func.count(),
            sa.func.count().filter(col(SupportRequest.first_in_week)),
            sa.func.count(col(SupportRequest.first_contact_at)),
            sa.func.coalesce(sa.func.sum(within), 0),
        )
        .where(in_range)
        .group_by(department, week)
    ).all()
    minutes = col(SupportRequest.minutes_to_first_contact)
    # One window, ordered as the covering index is (week, department, minutes): the rows
    # stream out of the index without a sort; the group's size is the same window over its
    # whole frame. Each group's one or two middle rows are averaged in SQL.
    group = (week, department)
    ranked = (
        sa.select(
            department.label("department"),
            week.label("week"),
            minutes.label("minutes"),
            sa.func.row_number().over(partition_by=group, order_by=minutes).label("rank"),
            sa.func.count()
            .over(partition_by=group, order_by=minutes, rows=(None, None))
            .label("n"),
        )
        .where(in_range, minutes.is_not(None))
        .subquery()
    )
    middle: dict[tuple[object, object], float] = {
        (raw_department, raw_week): float(value)
        for raw_department, raw_week, value in connection.execute(
            sa.select(ranked.c.department, ranked.c.week, sa.func.avg(ranked.c.minutes))
            .where(ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
            .group_by(ranked.c.week, ranked.c.department)
        ).all()
    }
    ids: dict[object, uuid.UUID | None] = {None: None}
    figures = []
    for raw_department, raw_week, n, people, contacts, in_target in rows:
        if raw_department not in ids:
            ids[raw_department] = uuid.UUID(str(raw_department))
        figures.append(
            SupportWeekFigures(
                department_id=ids[raw_department],
                week_start=raw_week,
                requests=int(n),
                requesters=int(people),
                first_contacts=int(contacts),
                median_minutes_to_first_contact=middle.get((raw_department, raw_week)),
                within_target=int(in_target),
            )
        )
    return sorted(figures, key=lambda f: (f.week_start, str(f.department_id)))


def release_figures(session: Session, *, week: date) -> SupportRelease:
    """One week's figures per department, with the facts insights' small-cell rules need."""
    weekly = weekly_figures(session, start=week, end=week)
    by_creator: dict[uuid.UUID, dict[uuid.UUID | None, _Tally]] = defaultdict(
        lambda: defaultdict(_Tally)
    )
    creator_totals: dict[uuid.UUID, _Tally] = defaultdict(_Tally)
    unknown: dict[uuid.UUID | None, _Tally] = defaultdict(_Tally)
    unknown_total = _Tally()
    for (
        department_id,
        kind,
        requester_id,
        referrer_id,
        first,
        contact_at,
        due_at,
    ) in session.execute(
        sa.select(
            col(SupportRequest.department_id),
            col(SupportRequest.kind),
            col(SupportRequest.requester_id),
            col(SupportRequest.referrer_id),
            col(SupportRequest.first_in_week),
            col(SupportRequest.first_contact_at),
            col(SupportRequest.due_at),
        ).where(col(SupportRequest.week_start) == week)
    ).all():
        creator = referrer_id if kind == RequestKind.referral.value else requester_id
        facts = {
            "requester_first": bool(first),
            "contacted": contact_at is not None,
            "in_target": contact_at is not None and contact_at <= due_at,
        }
        if creator is None:
            unknown[department_id].add(**facts)
            unknown_total.add(**facts)
        else:
            by_creator[creator][department_id].add(**facts)
            creator_totals[creator].add(**facts)
    found = [
        SupportReleaseFigures(
            figures=f,
            creators=sum(1 for t in by_creator.values() if f.department_id in t),
        )
        for f in weekly
    ]
    organisation = None
    if weekly:
        total = SupportWeekFigures(
            department_id=None,
            week_start=week,
            requests=sum(f.requests for f in weekly),
            requesters=sum(f.requesters for f in weekly),
            first_contacts=sum(f.first_contacts for f in weekly),
            median_minutes_to_first_contact=None,
            within_target=sum(f.within_target for f in weekly),
        )
        organisation = SupportReleaseFigures(figures=total, creators=len(by_creator))
    people = [(by_creator[c], creator_totals[c]) for c in by_creator]
    if unknown_total.requests:
        people.append(({}, _Tally()))  # someone who knows only of the purged requests
    shares = [
        (
            {
                d: tallies.get(d, _Tally()).share(unknown.get(d, _Tally()))
                for d in {*tallies, *unknown}
            },
            total_tally.share(unknown_total),
        )
        for tallies, total_tally in people
    ]
    return SupportRelease(departments=found, organisation=organisation, shares=shares)
