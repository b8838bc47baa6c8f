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

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from haven.checkins import service as checkins_service
from haven.checkins.schemas import QuestionRead, QuestionType, StaffingWeekFigures
from haven.core import clock
from haven.core.db import dialect_insert
from haven.core.settings import get_settings
from haven.core.weeks import ONE_WEEK, monday_of
from haven.debriefs import service as debriefs_service
from haven.debriefs.schemas import DebriefWeekFigures
from haven.insights import protection
from haven.insights.models import InsightRelease
from haven.insights.protection import CHECKINS, ORG, REPORTS, SUPPORT, Cell
from haven.insights.schemas import RowScope
from haven.insights.suppression import Line, suppress_lazily
from haven.reports import service as reports_service
from haven.reports.schemas import HARM_EVENTS, Category, Harm, ReportKind
from haven.support import service as support_service
from haven.support.schemas import SupportReleaseFigures

FORMAT = 1
Dept = uuid.UUID | None

# --- report figures and how they add up ----------------------------------------------------

_REPORT_DIMENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kind", tuple(k.value for k in ReportKind)),
    ("category", tuple(c.value for c in Category)),
    ("harm", tuple(h.value for h in Harm)),
)
# Every report figure of a cell, in a fixed order.
REPORT_PARTS: tuple[tuple[str, ...], ...] = (
    ("total",),
    ("harm_events",),
    *((name, value) for name, values in _REPORT_DIMENSIONS for value in values),
)
PART = {part: i for i, part in enumerate(REPORT_PARTS)}
TOTAL, HARM_EVENTS_PART = PART[("total",)], PART[("harm_events",)]
# Support figures, each its own cell: the requests (with the people who asked), the first
# contacts, the first contacts within target.
SUPPORT_FIGURES = (0, 1, 2)
# Within one department (or the organisation): which report figures add up to which.
REPORT_LINES: tuple[tuple[int, tuple[int, ...]], ...] = (
    *((TOTAL, tuple(PART[(name, v)] for v in values)) for name, values in _REPORT_DIMENSIONS),
    (HARM_EVENTS_PART, tuple(PART[("harm", h.value)] for h in Harm if h in HARM_EVENTS)),
    (
        TOTAL,
        (HARM_EVENTS_PART, *(PART[("harm", h.value)] for h in Harm if h not in HARM_EVENTS)),
    ),
)


# --- when a week closes --------------------------------------------------------------------


def closes_at(session: Session, week: date) -> datetime:
    """When the week may be released: its check-in period is over, plus the grace time."""
    last_day = max(checkins_service.period_end(session, week=week), week + timedelta(days=6))
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


# --- collecting one week -------------------------------------------------------------------


@dataclass
class _Collected:
    week: date
    questions: list[QuestionRead]
    departments: list[Dept]  # index -> department id (None: no department)
    table: protection.Week
    report_people: dict[int, tuple[int, ...]]
    support: dict[int, SupportReleaseFigures]
    staffing: dict[int, StaffingWeekFigures]
    debriefs: dict[int, DebriefWeekFigures]


def _collect(session: Session, week: date) -> _Collected:
    questions = checkins_service.insight_questions(session)
    departments: list[Dept] = []
    index: dict[Dept, int] = {}

    def at(department: Dept) -> int:
        if department not in index:
            index[department] = len(departments)
            departments.append(department)
        return index[department]

    table = protection.Week(questions=[q.type for q in questions], report_lines=REPORT_LINES)
    question_of = {q.key: i for i, q in enumerate(questions)}
    end = week + timedelta(days=6)
    for c in checkins_service.weekly_checkin_figures(session, start=week, end=week):
        if c.week_start != week:
            continue
        sums = [(0, 0, 0)] * len(questions)
        for q in c.questions:
            if q.key in question_of:
                sums[question_of[q.key]] = (q.answered, q.total, q.high)
        table.checkins[at(c.department_id)] = protection.CheckinRow(c.respondents, sums)
    for v in checkins_service.answer_values(session, period_start=week, keys=question_of):
        table.answer_values[(at(v.department_id), question_of[v.question_key])] = v.values

    # reports: counts, the identified reporters behind each, what each insider knows
    n = len(REPORT_PARTS)
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * n)
    reporters: dict[int, list[set[int]]] = defaultdict(lambda: [set() for _ in range(n)])
    own: dict[int | None, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for rc in reports_service.release_counts(session, week=week):
        d = at(rc.department_id)
        parts = [TOTAL, PART[("kind", rc.kind.value)], PART[("category", rc.category.value)]]
        parts.append(PART[("harm", rc.harm.value)])
        if rc.harm in HARM_EVENTS:
            parts.append(HARM_EVENTS_PART)
        for p in parts:
            counts[d][p] += rc.reports
            own[rc.reporter][(d, p)] += rc.reports
            own[rc.reporter][(ORG, p)] += rc.reports
            if rc.reporter is not None:
                reporters[d][p].add(rc.reporter)
    for d, values in counts.items():
        table.reports[d] = tuple(values)
    table.report_insiders = _report_insiders(own)
    report_people = {d: tuple(len(s) for s in sets) for d, sets in reporters.items()}
    report_people[ORG] = tuple(
        len(set().union(*(sets[p] for sets in reporters.values()))) for p in range(n)
    )

    support: dict[int, SupportReleaseFigures] = {}
    released = support_service.release_figures(session, week=week)
    for s in released.departments:
        d = at(s.figures.department_id)
        support[d] = s
        f = s.figures
        table.support[d] = protection.SupportRow(
            f.requests, f.requesters, f.first_contacts, f.within_target
        )
    if released.organisation is not None:
        support[ORG] = released.organisation
    table.support_insiders = [
        {**{at(d): share for d, share in by_department.items()}, ORG: organisation}
        for by_department, organisation in released.shares
    ]
    staffing = {
        at(s.department_id): s
        for s in checkins_service.weekly_staffing_figures(session, start=week, end=end)
        if s.week_start == week
    }
    debriefs = {
        at(b.department_id): b
        for b in debriefs_service.weekly_figures(session, start=week, end=end + timedelta(days=1))
        if b.week_start == week
    }
    return _Collected(
        week=week,
        questions=questions,
        departments=departments,
        table=table,
        report_people=report_people,
        support=support,
        staffing=staffing,
        debriefs=debriefs,
    )


def _report_insiders(
    own: dict[int | None, dict[tuple[int, int], int]],
) -> list[dict[tuple[int, int], int]]:
    """What each insider knows of the report cells: each identified reporter's reports and,
    since one insider may have filed them all, every report nobody is known to have made;
    and someone who made only those."""
    unattributed = own.get(None, {})
    insiders = []
    for who, cells in own.items():
        if who is None:
            continue
        known = dict(unattributed)
        for cell, n in cells.items():
            known[cell] = known.get(cell, 0) + n
        insiders.append(known)
    if unattributed:
        insiders.append(dict(unattributed))
    return insiders


# --- choosing the hidden cells -------------------------------------------------------------


def _hidden_cells(c: _Collected, k: int) -> set[Cell]:
    """Every hidden cell of the week (rows are department indices, ORG the organisation)."""
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
    while True:
        hidden = suppress_lazily(
            ordered_people,
            lambda cell: [ln for ln in lines_of.get(cell, []) if cell in ln.members],
            k=k,
            ties=ties,
            primary=sorted(primary | forced, key=rank),
        )
        exposed = protection.exposed(t, hidden)
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
                if cell not in protection.exposed(t, trial, families=(cell[0],)):
                    forced.add(candidate)
                    break
            else:
                if candidates:
                    forced.add(candidates[0])
        if len(forced) == before:
            # Nothing shown is left around it: hide every figure of its family (never
            # reached with the relations insights publish; a safe end if it ever is).
            families = {cell[0] for cell in exposed}
            forced |= {cell for cell in value if cell[0] in families}
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

    shown = [m for m in dict.fromkeys(members) if m not in hidden and m in value]
    return [
        *sorted(shown, key=key),
        *(t for t in dict.fromkeys(totals) if t not in hidden and t in value),
    ]


# --- what is published ---------------------------------------------------------------------

JSON = dict[str, Any]
SUPPRESSED: JSON = {"value": None, "suppressed": True}
NO_DATA: JSON = {"value": None, "suppressed": False}


def _fig(value: float | None, hidden: bool) -> JSON:
    if hidden:
        return dict(SUPPRESSED)
    if value is None:
        return dict(NO_DATA)
    return {"value": float(value), "suppressed": False}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _publish(c: _Collected, hidden: set[Cell]) -> JSON:
    rows: list[JSON] = []
    present = range(len(c.departments))
    ordered = sorted(present, key=lambda i: (c.departments[i] is None, str(c.departments[i])))
    for d in [ORG, *ordered]:
        members = list(present) if d == ORG else [d]
        department = None if d == ORG else c.departments[d]
        scope = (
            RowScope.organisation
            if d == ORG
            else RowScope.unassigned
            if department is None
            else RowScope.department
        )
        rows.append(
            {
                "scope": scope.value,
                "department_id": str(department) if department else None,
                "checkins": _checkin_block(c, d, members, hidden),
                "reports": _report_block(c, d, members, hidden),
                "staffing": _staffing_block(c, members),
                "support": _support_block(c, d, members, hidden),
                "debriefs": _debrief_block(c, members),
            }
        )
    return {
        "format": FORMAT,
        "questions": [
            {
                "key": q.key,
                "text": q.text,
                "type": q.type.value,
                "higher_is_better": q.higher_is_better,
            }
            for q in c.questions
        ],
        "rows": rows,
    }


def _checkin_block(c: _Collected, d: int, members: Sequence[int], hidden: set[Cell]) -> JSON:
    nq = len(c.questions)
    respondents = 0
    sums = [[0, 0, 0] for _ in range(nq)]
    for m in members:
        row = c.table.checkins.get(m)
        if row is None:
            continue
        respondents += row.respondents
        for qi, (a, t, h) in enumerate(row.questions):
            sums[qi][0] += a
            sums[qi][1] += t
            sums[qi][2] += h
    block_hidden = (CHECKINS, d, -1) in hidden
    questions = []
    stress: JSON | None = None
    for qi, q in enumerate(c.questions):
        answered, total, high = sums[qi]
        q_hidden = block_hidden or (CHECKINS, d, qi) in hidden
        mean = _ratio(total, answered) if q.type is QuestionType.scale_1_5 else None
        figure = {
            "key": q.key,
            # everyone answering a question is the respondents' count, shown with the block
            "answered": _fig(answered, q_hidden and (block_hidden or answered != respondents)),
            "mean": _fig(mean, q_hidden),
            "share": _fig(_ratio(high, answered), q_hidden),
        }
        questions.append(figure)
        if q.key == checkins_service.STRESS_KEY and q.type is QuestionType.scale_1_5:
            stress = figure
    return {
        "respondents": _fig(respondents, block_hidden),
        "high_stress_share": dict(stress["share"]) if stress else dict(NO_DATA),
        "stress_mean": dict(stress["mean"]) if stress else dict(NO_DATA),
        "questions": questions,
    }


def _patient_days(c: _Collected, members: Sequence[int]) -> float | None:
    """Patient-days for a rate, only when every department with reports recorded a census
    (a rate over some of them would publish a new partial total)."""
    total = 0.0
    for m in members:
        counts = c.table.reports.get(m)
        staffing = c.staffing.get(m)
        days = staffing.patient_days if staffing and staffing.census_shifts else 0.0
        if counts is not None and counts[TOTAL] and days <= 0:
            return None
        total += days
    return total or None


def _report_block(c: _Collected, d: int, members: Sequence[int], hidden: set[Cell]) -> JSON:
    totals = [0] * len(REPORT_PARTS)
    for m in members:
        for p, n in enumerate(c.table.reports.get(m, ())):
            totals[p] += n
    figures = [_fig(n, (REPORTS, d, p) in hidden) for p, n in enumerate(totals)]
    days = _patient_days(c, members)

    def rate(p: int) -> JSON:
        figure = figures[p]
        if figure["suppressed"]:
            return dict(SUPPRESSED)
        if figure["value"] is None or days is None:
            return dict(NO_DATA)
        return {"value": figure["value"] / (days / 1000), "suppressed": False}

    def group(name: str, values: Iterable[str]) -> JSON:
        return {v: figures[PART[(name, v)]] for v in values}

    return {
        "total": figures[TOTAL],
        "harm_events": figures[HARM_EVENTS_PART],
        "by_kind": group("kind", (k.value for k in ReportKind)),
        "by_category": group("category", (x.value for x in Category)),
        "by_harm": group("harm", (h.value for h in Harm)),
        "per_1000_patient_days": rate(TOTAL),
        "harm_events_per_1000_patient_days": rate(HARM_EVENTS_PART),
    }


def _staffing_block(c: _Collected, members: Sequence[int]) -> JSON:
    found = [c.staffing[m] for m in members if m in c.staffing]
    if not found:
        return {
            "shifts": 0,
            "planned_staff": 0,
            "actual_staff": 0,
            "staffing_ratio": None,
            "patient_days": None,
            "patients_per_staff": None,
        }
    planned = sum(s.planned_staff for s in found)
    actual = sum(s.actual_staff for s in found)
    census_shifts = sum(s.census_shifts for s in found)
    return {
        "shifts": sum(s.shifts for s in found),
        "planned_staff": planned,
        "actual_staff": actual,
        "staffing_ratio": _ratio(actual, planned),
        "patient_days": sum(s.patient_days for s in found) if census_shifts else None,
        "patients_per_staff": _ratio(
            sum(s.patient_census for s in found), sum(s.census_staff for s in found)
        ),
    }


_DEBRIEF_FIELDS = (
    "debriefs_held",
    "action_items_opened",
    "action_items_done",
    "action_items_overdue",
    "stronger",
    "intermediate",
    "weaker",
)


def _debrief_block(c: _Collected, members: Sequence[int]) -> JSON:
    found = [c.debriefs[m] for m in members if m in c.debriefs]
    return {name: sum(getattr(b, name) for b in found) for name in _DEBRIEF_FIELDS}


def _support_block(c: _Collected, d: int, members: Sequence[int], hidden: set[Cell]) -> JSON:
    found = [c.support[m].figures for m in members if m in c.support]
    block_hidden = (SUPPORT, d, 0) in hidden
    contacts_hidden = block_hidden or (SUPPORT, d, 1) in hidden
    within_hidden = block_hidden or (SUPPORT, d, 2) in hidden
    requests = sum(p.requests for p in found)
    within = sum(p.within_target for p in found)
    median = found[0].median_minutes_to_first_contact if d != ORG and found else None
    return {
        "requests": _fig(requests, block_hidden),
        "requesters": _fig(sum(p.requesters for p in found), block_hidden),
        "first_contacts": _fig(sum(p.first_contacts for p in found), contacts_hidden),
        # medians do not add up: the organisation has none (nothing to hide)
        "median_minutes_to_first_contact": _fig(median, contacts_hidden and d != ORG),
        "within_target": _fig(within, within_hidden),
        "share_within_target": _fig(_ratio(within, requests), within_hidden),
    }


# --- making and reading releases -----------------------------------------------------------


def compute(session: Session, week: date) -> JSON:
    """The release of one week, from what is stored now (not written)."""
    collected = _collect(session, week)
    hidden = _hidden_cells(collected, get_settings().insights.min_cell_size)
    return _publish(collected, hidden)


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
