"""Weekly releases: each week's figures are computed once, when the week closes, and never
change afterwards.

Why: an insider who looks at a week's figures before and after one more record arrives
learns that record (its harm, its answers) by subtraction. So a week is published once, as
a release, and every later look at it (by anyone, through any window, any endpoint, any
export) is cut from that release. Records count in the week they *arrived*: a report in the
week it was submitted, a support request in the week it was made, a check-in answer in its
check-in period. A report about an event weeks old counts in the week it came in, never in
a week already released.

When a week closes: when its check-in period is over (a fortnight's answers count in its
first week, so that week closes with the fortnight) and ``HAVEN_INSIGHTS_RELEASE_GRACE_HOURS``
have passed since (48 by default: time for the answers still waiting in every process to be
written, for staffing figures posted the next day). Releases are made by the periodic jobs
and, when someone asks for a closed week that has none yet, by that request; two makers
never publish two versions (the first write wins, the other reads it).

What a release holds: the figures as published, hidden ones absent. Who is behind them is
used while it is computed (see below) and never stored.

How the hidden cells are chosen:

1. primary: a figure is hidden when fewer than k *contributors* stand behind it. For
   check-ins the respondents (one answer per person and period); for reports the distinct
   identified reporters (anonymous reports and those of service accounts add to the count
   but never to the people: one person could have filed them all); for support the distinct
   people who asked (the requester, or the colleague who referred them). One person can add
   one contributor and no more, however many records they file: padding a cell with one's
   own records never makes it appear.
2. complementary: every published sum with a hidden member hides at least two members
   holding at least k contributors together (``suppression``).
3. audit: the whole week, every relation between its figures at once, is solved as an
   insider would (``protection``): as a reader of the release, and as the strongest single
   insider (who also knows a hidden cell's heaviest contributor's own records). While any
   hidden figure can be worked out exactly, the smallest shown member of a sum it is part of
   (or, when none is left, the sum) is hidden too, and steps 2 and 3 run again.

Every view of a week is cut from the same release, so the union of everything any role
(or combination of roles) can fetch is a part of what step 3 audited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from haven.checkins import service as checkins_service
from haven.core import clock
from haven.core.db import dialect_insert
from haven.core.settings import get_settings
from haven.core.weeks import ONE_WEEK, monday_of, week_end
from haven.insights import protection
from haven.insights.models import InsightRelease
from haven.insights.protection import CHECKINS, ORG, REPORTS, SUPPORT, Cell
from haven.insights.publish import publish
from haven.insights.suppression import Line, suppress_lazily
from haven.insights.week import (
    REPORT_LINES,
    REPORT_PARTS,
    SUPPORT_FIGURES,
    Collected,
    collect,
)

JSON = dict[str, Any]

# --- when a week closes --------------------------------------------------------------------


def closes_at(session: Session, week: date) -> datetime:
    """When the week may be released: its check-in period is over, plus the grace time."""
    last_day = max(checkins_service.period_end(session, week=week), week_end(week))
    grace = timedelta(hours=get_settings().insights.release_grace_hours)
    return datetime.combine(last_day + timedelta(days=1), time(), tzinfo=UTC) + grace


def is_closed(session: Session, week: date) -> bool:
    return clock.now() >= closes_at(session, week)


def last_closed_week(session: Session) -> date:
    """The latest week that has closed (it may not be released yet)."""
    week = monday_of(clock.today()) - ONE_WEEK
    while not is_closed(session, week):
        week -= ONE_WEEK
    return week


# --- choosing the hidden cells -------------------------------------------------------------


class _Memo:
    """Hidden cells of a week, remembered by everything they are computed from.

    Choosing them is a pure function of the week's figures, k, and the order of the
    departments' ids (which breaks ties); never of which ids they are. So a week is looked up
    by that whole input, rows in canonical order: nothing to invalidate (a week whose
    figures differ has another key). Weeks alike, as in a steady season or a test's
    fixture, are audited once. Bounded; holds figures and positions only, no id, no person."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[str, frozenset[Cell]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> frozenset[Cell] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, hidden: frozenset[Cell]) -> None:
        with self._lock:
            self._items[key] = hidden
            while len(self._items) > self._size:
                self._items.popitem(last=False)


MEMO = _Memo()


def _canonical(c: Collected, k: int, rows: list[int]) -> str:
    """The whole input of :func:`hidden_cells`, departments replaced by their position in
    the canonical order."""
    at = {d: i for i, d in enumerate(rows)}
    at[ORG] = ORG
    t = c.table

    def cells(known: dict[tuple[int, int], int]) -> tuple[tuple[int, int, int], ...]:
        return tuple(sorted((at[d], p, n) for (d, p), n in known.items()))

    return repr(
        (
            k,
            tuple(q.value for q in t.questions),
            tuple(
                (
                    at[d],
                    t.checkins[d].respondents if d in t.checkins else None,
                    tuple(t.checkins[d].questions) if d in t.checkins else None,
                    tuple(
                        tuple(sorted(t.answer_values.get((d, qi), ())))
                        for qi in range(len(t.questions))
                    ),
                    t.reports.get(d),
                    c.report_people.get(d),
                    (t.support[d].__dict__, c.support[d].creators) if d in t.support else None,
                )
                for d in rows
            ),
            c.report_people.get(ORG),
            c.support[ORG].creators if ORG in c.support else None,
            tuple(sorted(cells(known) for known in t.report_insiders)),
            tuple(
                sorted(
                    tuple(sorted((at[d], share) for d, share in known.items()))
                    for known in t.support_insiders
                )
            ),
        )
    )


def hidden_cells(c: Collected, k: int) -> set[Cell]:
    """Every hidden cell of the week (rows are department indices, ORG the organisation),
    remembered (see ``_Memo``)."""
    rows = sorted(
        range(len(c.departments)),
        key=lambda d: (c.departments[d] is None, str(c.departments[d])),
    )
    key = _canonical(c, k, rows)
    remembered = MEMO.get(key)
    if remembered is None:
        hidden = _hidden_cells(c, k)
        at = {d: i for i, d in enumerate(rows)}
        MEMO.put(key, frozenset((f, ORG if d == ORG else at[d], x) for f, d, x in hidden))
        return hidden
    return {(f, ORG if d == ORG else rows[d], x) for f, d, x in remembered}


def _hidden_cells(c: Collected, k: int) -> set[Cell]:
    t = c.table
    nq = len(c.questions)
    rows = sorted(
        range(len(c.departments)),
        key=lambda d: (c.departments[d] is None, str(c.departments[d])),
    )
    value: dict[Cell, int] = {}
    people: dict[Cell, int] = {}
    for d, row in t.checkins.items():
        value[(CHECKINS, d, -1)] = people[(CHECKINS, d, -1)] = row.respondents
        for qi, (answered, _, _) in enumerate(row.questions):
            value[(CHECKINS, d, qi)] = people[(CHECKINS, d, qi)] = answered
    for d, counts in t.reports.items():
        contributors = c.report_people.get(d, (0,) * len(counts))
        for p, count in enumerate(counts):
            value[(REPORTS, d, p)] = count
            people[(REPORTS, d, p)] = contributors[p]
    # support: the requests (and the people who asked), the first contacts, the contacts
    # within target: three cells, the first of which carries the others (see ties)
    for d, s in c.support.items():
        f = s.figures
        for figure, n in ((0, f.requests), (1, f.first_contacts), (2, f.within_target)):
            value[(SUPPORT, d, figure)] = n
            people[(SUPPORT, d, figure)] = s.creators
    # the organisation's cells: its people told apart across departments (a person answers
    # a check-in in one department only; a reporter or a referrer may act in several)
    for f in [-1, *range(nq)]:
        value[(CHECKINS, ORG, f)] = people[(CHECKINS, ORG, f)] = sum(
            value.get((CHECKINS, d, f), 0) for d in rows
        )
    org_reporters = c.report_people.get(ORG, (0,) * len(REPORT_PARTS))
    for p in range(len(REPORT_PARTS)):
        value[(REPORTS, ORG, p)] = sum(value.get((REPORTS, d, p), 0) for d in rows)
        people[(REPORTS, ORG, p)] = org_reporters[p]

    def members(family: int, f: int) -> tuple[Cell, ...]:
        return tuple((family, d, f) for d in rows if value.get((family, d, f), 0) > 0)

    lines_of: dict[Cell, list[Line[Cell]]] = defaultdict(list)

    def line(total: Cell, parts: Iterable[Cell]) -> None:
        ln = Line(total, tuple(m for m in parts if value.get(m, 0) > 0))
        for m in ln.members:
            lines_of[m].append(ln)
        lines_of[ln.total].append(ln)

    for f in [-1, *range(nq)]:
        line((CHECKINS, ORG, f), members(CHECKINS, f))
    for p in range(len(REPORT_PARTS)):
        line((REPORTS, ORG, p), members(REPORTS, p))
    for figure in SUPPORT_FIGURES:
        line((SUPPORT, ORG, figure), members(SUPPORT, figure))
    for d in [*rows, ORG]:
        for total, parts in REPORT_LINES:
            line((REPORTS, d, total), [(REPORTS, d, p) for p in parts])

    def ties(cell: Cell) -> list[Cell]:
        family, d, f = cell
        if family == CHECKINS and f == -1:
            return [(CHECKINS, d, qi) for qi in range(nq)]
        if family == SUPPORT and f == 0:
            return [(SUPPORT, d, 1), (SUPPORT, d, 2)]
        return []

    order = {d: i for i, d in enumerate(rows)}

    def rank(cell: Cell) -> tuple[int, int, int]:
        return (cell[0], order.get(cell[1], -1), cell[2])

    ordered_people = dict(sorted(people.items(), key=lambda kv: rank(kv[0])))
    primary = {cell for cell, n in value.items() if n > 0 and people.get(cell, 0) < k}
    forced: set[Cell] = set()
    # figures shown safe so far: they stay safe while the hidden cells only grow
    certified: set[protection.TargetKey] = set()
    previous: set[Cell] = set()
    while True:
        hidden = suppress_lazily(
            ordered_people,
            lambda cell: [ln for ln in lines_of.get(cell, []) if cell in ln.members],
            k=k,
            ties=ties,
            primary=sorted(primary | forced, key=rank),
        )
        if not hidden >= previous:
            certified = set()
        previous = hidden
        exposed = protection.exposed(t, hidden, certified=certified)
        if not exposed:
            return hidden
        before = len(forced)
        # one repair per family at a time: a repair often settles other exposed cells too
        first: dict[int, Cell] = {}
        for cell in sorted(exposed, key=rank):
            first.setdefault(cell[0], cell)
        for cell in first.values():
            candidates = _repairs(cell, hidden, value, order, nq)
            # the first of the few likeliest candidates that settles it, else the likeliest
            for candidate in candidates[:3]:
                trial = suppress_lazily(
                    ordered_people,
                    lambda cl: [ln for ln in lines_of.get(cl, []) if cl in ln.members],
                    k=k,
                    ties=ties,
                    primary=sorted(primary | forced | {candidate}, key=rank),
                )
                settled = set(certified) if trial >= hidden else None
                if not protection.exposed(
                    t, trial, families=(cell[0],), only={cell}, certified=settled
                ):
                    forced.add(candidate)
                    break
            else:
                if candidates:
                    forced.add(candidates[0])
        if len(forced) == before:
            # Nothing shown is left around it: hide every figure of its family (never
            # reached with the relations insights publish; a safe end if it ever is).
            families = {cell[0] for cell in exposed}
            forced |= {cell for cell, n in value.items() if cell[0] in families and n > 0}
            if forced <= hidden:
                raise RuntimeError("a release could not be protected")


def _repairs(
    cell: Cell, hidden: set[Cell], value: dict[Cell, int], order: dict[int, int], nq: int
) -> list[Cell]:
    """Cells whose hiding could stop ``cell`` being worked out, likeliest first: the shown
    figures that add up with it (other departments' same figure, then the other parts of a
    department's report breakdowns), those with something in them and smallest first, then
    the sums themselves."""
    family, d, f = cell
    rows = [r for r in order if r != d]
    members: list[Cell] = [(family, r, f) for r in rows]
    totals: list[Cell] = [(family, ORG, f)] if d != ORG else []
    if family == REPORTS:
        for total, parts in REPORT_LINES:
            line = [total, *parts]
            if f in line:
                members += [(REPORTS, d, p) for p in parts if p != f]
                if total != f:
                    totals.append((REPORTS, d, total))
    if family == CHECKINS and f >= 0:
        totals.append((CHECKINS, d, -1))

    def key(c: Cell) -> tuple[bool, int, int, int]:
        return (value.get(c, 0) == 0, value.get(c, 0), order.get(c[1], -1), c[2])

    # Never a zero member: it is nobody, shown as such (and hiding it would add no doubt).
    # A sum may be zero (nobody contacted anywhere yet): hiding it removes what it says.
    shown = [m for m in dict.fromkeys(members) if m not in hidden and value.get(m, 0) > 0]
    return [
        *sorted(shown, key=key),
        *(t for t in dict.fromkeys(totals) if t not in hidden and t in value),
    ]


# --- making and reading releases -----------------------------------------------------------


def compute(session: Session, week: date) -> JSON:
    """The release of one week, from what is stored now (not written)."""
    collected = collect(session, week)
    hidden = hidden_cells(collected, get_settings().insights.min_cell_size)
    return publish(collected, hidden)


@dataclass(frozen=True)
class Release:
    week: date
    min_cell_size: int
    figures: JSON


def _stored(session: Session, weeks: Sequence[date]) -> dict[date, Release]:
    rows = session.exec(
        select(InsightRelease).where(col(InsightRelease.week_start).in_(list(weeks)))
    ).all()
    return {r.week_start: Release(r.week_start, r.min_cell_size, r.figures) for r in rows}


def releases(session: Session, weeks: Sequence[date]) -> dict[date, Release]:
    """The releases of these weeks, making those of closed weeks that have none yet.

    A week that has not closed has no release (and is never computed here)."""
    found = _stored(session, weeks)
    missing = [w for w in weeks if w not in found and is_closed(session, w)]
    if not missing:
        return found
    _write_waiting_checkins(session)
    k = get_settings().insights.min_cell_size
    # Everything is computed before anything is written: on SQLite the first write takes
    # the database's write lock, which nobody else should wait on while a week is audited.
    computed = [(week, compute(session, week)) for week in missing]
    insert = dialect_insert(session)
    table = InsightRelease.__table__  # type: ignore[attr-defined]
    for week, figures in computed:
        session.execute(
            insert(table)
            .values(week_start=week, released_at=clock.now(), min_cell_size=k, figures=figures)
            .on_conflict_do_nothing(index_elements=["week_start"])
        )
    # whoever wrote first, this is what is published
    return {**found, **_stored(session, missing)}


def _write_waiting_checkins(session: Session) -> None:
    """Answers still waiting in this process for a period that has ended are written before
    the period is released (other processes write theirs within a job interval, well inside
    the grace time)."""
    bind = session.get_bind()
    if isinstance(bind, Engine):
        checkins_service.write_ended_periods(bind)


def release_due_weeks(session: Session, *, weeks: int = 13) -> int:
    """The periodic job: release every closed week of the last ``weeks`` that has none."""
    last = last_closed_week(session)
    wanted = [last - ONE_WEEK * i for i in range(weeks)]
    before = len(_stored(session, wanted))
    return len(releases(session, wanted)) - before
