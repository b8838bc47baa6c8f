"""One week's figures, as insights collect them to release the week: from each source's
service, by the week records arrived, with what the small-cell rules need to know about the
people behind them (how many, and what each insider contributed) but never who they are.
See ``release``."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from haven.checkins import service as checkins_service
from haven.checkins.schemas import QuestionRead, StaffingWeekFigures
from haven.core.weeks import week_end
from haven.debriefs import service as debriefs_service
from haven.debriefs.schemas import DebriefWeekFigures
from haven.insights import protection
from haven.insights.protection import ORG
from haven.reports import service as reports_service
from haven.reports.schemas import HARM_EVENTS, Category, Harm, ReportKind
from haven.support import service as support_service
from haven.support.schemas import SupportReleaseFigures

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


# --- collecting one week -------------------------------------------------------------------


@dataclass
class Collected:
    week: date
    questions: list[QuestionRead]
    departments: list[Dept]  # index -> department id (None: no department)
    table: protection.Week
    report_people: dict[int, tuple[int, ...]]
    support: dict[int, SupportReleaseFigures]
    staffing: dict[int, StaffingWeekFigures]
    debriefs: dict[int, DebriefWeekFigures]


def collect(session: Session, week: date) -> Collected:
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
    end = week_end(week)
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
    table.report_insiders = report_insiders(own)
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
    return Collected(
        week=week,
        questions=questions,
        departments=departments,
        table=table,
        report_people=report_people,
        support=support,
        staffing=staffing,
        debriefs=debriefs,
    )


def report_insiders(
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
