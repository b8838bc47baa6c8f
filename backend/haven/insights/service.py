"""Insights: weekly figures from every source, suppressed, then charted.

Each source is one function of its own domain called once for the window, feeding one
field of :class:`Figures`; everything after that (suppression, rows, control charts,
hotspots) works on those figures only. Nothing here reads another domain's tables.
"""

from __future__ import annotations

import threading
import uuid
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from haven.checkins import service as checkins_service
from haven.checkins.schemas import (
    QuestionRead,
    QuestionType,
    StaffingWeekFigures,
)
from haven.core import audit, clock
from haven.core.errors import Forbidden, NotFound, Unprocessable, field_error
from haven.core.pagination import PageParams
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.core.weeks import ONE_WEEK, monday_of, weeks_between
from haven.debriefs import service as debriefs_service
from haven.debriefs.schemas import DebriefWeekFigures
from haven.insights import policy, spc
from haven.insights.schemas import (
    DepartmentInsights,
    Hotspot,
    HotspotReason,
    Hotspots,
    Metric,
    QuestionInfo,
    RowScope,
    Signals,
    SupportersAlerted,
    Unit,
)
from haven.insights.suppression import Line, suppress_lazily
from haven.notifications import service as notifications_service
from haven.org import service as org_service
from haven.reports import service as reports_service
from haven.reports.schemas import HARM_EVENTS, Category, Harm, ReportKind
from haven.support import service as support_service
from haven.support.schemas import SupportWeekFigures

MAX_WEEKS = 53
DEFAULT_WEEKS = 13  # a quarter
MAX_CHART_WEEKS = 104
STRESS_KEY = checkins_service.STRESS_KEY

Dept = uuid.UUID | None
Key = tuple[int, int, int, int]  # (family, week, department index, figure)


# --- the window ----------------------------------------------------------------------------


def last_complete_week() -> date:
    """Figures are shown for complete weeks only: a week that is still running would let
    someone watch one answer arrive (subtract the figures before from those after)."""
    return monday_of(clock.today()) - ONE_WEEK


def _window(
    start: date | None, end: date | None, default_weeks: int, max_weeks: int = MAX_WEEKS
) -> list[date]:
    latest = last_complete_week()
    last = min(monday_of(end), latest) if end is not None else latest
    first = monday_of(start) if start is not None else last - (default_weeks - 1) * ONE_WEEK
    if first > last:
        raise Unprocessable(
            "The range has no complete week: weeks are shown once they have ended.",
            errors=[field_error("start", "Choose a start before the last complete week.", "query")],
        )
    weeks = weeks_between(first, last)
    if len(weeks) > max_weeks:
        raise Unprocessable(
            f"Ask for at most {max_weeks} weeks at a time.",
            errors=[field_error("start", f"At most {max_weeks} weeks.", "query")],
        )
    return weeks


# --- collecting: one call per source --------------------------------------------------------

_REPORT_DIMENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kind", tuple(k.value for k in ReportKind)),
    ("category", tuple(c.value for c in Category)),
    ("harm", tuple(h.value for h in Harm)),
)
# Every report figure of a cell, in a fixed order: counts are lists aligned with this.
REPORT_PARTS: tuple[tuple[str, ...], ...] = (
    ("total",),
    ("harm_events",),
    *((name, value) for name, values in _REPORT_DIMENSIONS for value in values),
)
_PART = {part: i for i, part in enumerate(REPORT_PARTS)}
TOTAL, HARM_EVENTS_PART = _PART[("total",)], _PART[("harm_events",)]
# Within one department (or the organisation): which report figures add up to which.
_REPORT_LINES: tuple[tuple[int, tuple[int, ...]], ...] = (
    *((TOTAL, tuple(_PART[(name, v)] for v in values)) for name, values in _REPORT_DIMENSIONS),
    (HARM_EVENTS_PART, tuple(_PART[("harm", h.value)] for h in Harm if h in HARM_EVENTS)),
    (
        TOTAL,
        (HARM_EVENTS_PART, *(_PART[("harm", h.value)] for h in Harm if h not in HARM_EVENTS)),
    ),
)
_LINES_WITH_PART = {
    part: tuple(i for i, (_, parts) in enumerate(_REPORT_LINES) if part in parts)
    for part in range(len(REPORT_PARTS))
}
ORG = -1  # the organisation's "department index" in cell keys
_ZERO_REPORTS = (0,) * len(REPORT_PARTS)

# (answered, total, high) of one question in one cell
QuestionSums = tuple[int, int, int]


@dataclass
class CheckinCell:
    respondents: int
    questions: list[QuestionSums]  # aligned with Figures.questions


@dataclass
class Figures:
    """Everything the sources said about the window, by week index and department index."""

    weeks: list[date]
    questions: list[QuestionRead]
    departments: list[Dept] = field(default_factory=list)  # index -> id (None: no department)
    checkins: list[dict[int, CheckinCell]] = field(default_factory=list)
    reports: list[dict[int, tuple[int, ...]]] = field(default_factory=list)
    staffing: list[dict[int, StaffingWeekFigures]] = field(default_factory=list)
    debriefs: list[dict[int, DebriefWeekFigures]] = field(default_factory=list)
    support: list[dict[int, SupportWeekFigures]] = field(default_factory=list)
    present: list[list[int]] = field(default_factory=list)  # per week: departments with data
    _index: dict[Dept, int] = field(default_factory=dict)

    def index(self, department: Dept) -> int:
        if department not in self._index:
            self._index[department] = len(self.departments)
            self.departments.append(department)
        return self._index[department]

    def find(self, department: Dept) -> int | None:
        return self._index.get(department)


def _collect(session: Session, weeks: list[date]) -> Figures:
    start, end = weeks[0], weeks[-1] + timedelta(days=6)
    week_of = {w: i for i, w in enumerate(weeks)}
    f = Figures(weeks=weeks, questions=checkins_service.insight_questions(session))
    f.checkins = [{} for _ in weeks]
    f.reports = [{} for _ in weeks]
    f.staffing = [{} for _ in weeks]
    f.debriefs = [{} for _ in weeks]
    f.support = [{} for _ in weeks]
    question_of = {q.key: i for i, q in enumerate(f.questions)}
    for c in checkins_service.weekly_checkin_figures(session, start=start, end=end):
        sums: list[QuestionSums] = [(0, 0, 0)] * len(f.questions)
        for q in c.questions:
            if q.key in question_of:
                sums[question_of[q.key]] = (q.answered, q.total, q.high)
        w = week_of.get(c.week_start)
        if w is not None:
            f.checkins[w][f.index(c.department_id)] = CheckinCell(c.respondents, sums)
    for s in checkins_service.weekly_staffing_figures(session, start=start, end=end):
        w = week_of.get(s.week_start)
        if w is not None:
            f.staffing[w][f.index(s.department_id)] = s
    for r in reports_service.weekly_figures(session, start=start, end=end):
        w = week_of.get(r.week_start)
        if w is None:
            continue
        counts = [0] * len(REPORT_PARTS)
        counts[TOTAL] = r.reports
        counts[HARM_EVENTS_PART] = r.harm_events
        for name, breakdown in (
            ("kind", r.by_kind),
            ("category", r.by_category),
            ("harm", r.by_harm),
        ):
            for value, count in breakdown.items():
                # A StrEnum member hashes and compares as its value: no str() call needed.
                counts[_PART[(name, value)]] = count
        f.reports[w][f.index(r.department_id)] = tuple(counts)
    # Debriefs count days in [start, end): the day after the last Sunday closes the range.
    for b in debriefs_service.weekly_figures(session, start=start, end=end + timedelta(days=1)):
        w = week_of.get(b.week_start)
        if w is not None:
            f.debriefs[w][f.index(b.department_id)] = b
    for p in support_service.weekly_figures(session, start=start, end=end):
        w = week_of.get(p.week_start)
        if w is not None:
            f.support[w][f.index(p.department_id)] = p
    f.present = [
        sorted(
            set(f.checkins[w])
            | set(f.reports[w])
            | set(f.staffing[w])
            | set(f.debriefs[w])
            | set(f.support[w])
        )
        for w in range(len(weeks))
    ]
    return f


# --- suppression: the cells and lines of each family ----------------------------------------
#
# Cell keys are small tuples of ints: (family, week, department, figure). Check-ins are
# family 0 (figure -1: the respondents, which every question's figure is tied to); reports
# family 1 (figure: an index into REPORT_PARTS); support family 2 (one cell per department
# and week: its requesters; the organisation's is their sum, an upper bound when someone
# asked in two departments). Empty cells are left out of lines: an empty
# complement protects nothing, so when only empty cells are left the total is hidden.


def _checkin_totals(f: Figures, w: int, departments: Sequence[int]) -> CheckinCell:
    respondents = 0
    sums = [[0, 0, 0] for _ in f.questions]
    for d in departments:
        cell = f.checkins[w].get(d)
        if cell is None:
            continue
        respondents += cell.respondents
        for qi, (answered, total, high) in enumerate(cell.questions):
            sums[qi][0] += answered
            sums[qi][1] += total
            sums[qi][2] += high
    return CheckinCell(respondents, [(a, t, h) for a, t, h in sums])


def _report_totals(f: Figures, w: int, departments: Sequence[int]) -> tuple[int, ...]:
    if len(departments) == 1:
        return f.reports[w].get(departments[0], _ZERO_REPORTS)
    totals = [0] * len(REPORT_PARTS)
    for d in departments:
        counts = f.reports[w].get(d)
        if counts is not None:
            for i, n in enumerate(counts):
                totals[i] += n
    return tuple(totals)


class _SuppressionMemo:
    """Hidden cells of a week, remembered by everything they are computed from.

    Suppression is a pure function of one week's cells (lines and ties never cross weeks):
    the same people counts, k and questions give the same hidden cells. So a week computed
    once is looked up by its whole input, encoded canonically (departments by id, in id
    order; cells as integers): nothing to invalidate, since a week whose figures changed
    has another key. The dashboard asks for the same weeks over and over (the table, the
    charts and the hotspots share them; every lead opens the same page). Bounded; holds
    counts and department ids only, no person."""

    def __init__(self, max_entries: int = 512) -> None:
        self._max = max_entries
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[int, int, bytes, bytes], bytes] = OrderedDict()

    def get(self, key: tuple[int, int, bytes, bytes]) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def set(self, key: tuple[int, int, bytes, bytes], hidden: bytes) -> None:
        with self._lock:
            self._items[key] = hidden
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SUPPRESSION_MEMO = _SuppressionMemo()
_NO_DEPARTMENT_BYTES = b"\xff" * 16  # cells of people with no department (not a v4 uuid)


def _week_people(f: Figures, w: int, departments: Sequence[int]) -> dict[Key, int]:
    """The people counts of one week's cells, departments in the given (canonical) order."""
    people: dict[Key, int] = {}
    for d in departments:
        cell = f.checkins[w].get(d)
        if cell is not None:
            people[(0, w, d, -1)] = cell.respondents
            for qi, sums in enumerate(cell.questions):
                people[(0, w, d, qi)] = sums[0]
    org = _checkin_totals(f, w, departments)
    people[(0, w, ORG, -1)] = org.respondents
    for qi, sums in enumerate(org.questions):
        people[(0, w, ORG, qi)] = sums[0]
    # support: the requesters are the people; the whole block is one cell
    org_requesters = 0
    support = f.support[w]
    for d in departments:
        if d in support:
            people[(2, w, d, -1)] = support[d].requesters
            org_requesters += support[d].requesters
    people[(2, w, ORG, -1)] = org_requesters
    reports = f.reports[w]
    for d, counts in [
        *((d, reports[d]) for d in departments if d in reports),
        (ORG, _report_totals(f, w, departments)),
    ]:
        for part, n in enumerate(counts):
            if n:
                people[(1, w, d, part)] = n
    return people


def _suppressed(f: Figures, k: int) -> set[Key]:
    """Every hidden cell of the window, one week at a time (remembered: see
    ``_SuppressionMemo``). Only people counts are built up front; a line is built when one
    of its cells is hidden (see ``suppress_lazily``)."""
    n_questions = len(f.questions)
    # The order of a week's cells breaks ties between equally small cells. It must not
    # depend on the window asked for or on the order rows came back in, or two views of the
    # same week could hide different complementary cells, and together give a hidden one
    # away: departments go in the order of their ids, whatever their index in this request.
    ids = f.departments

    def canonical(d: int) -> tuple[bool, str]:
        return (ids[d] is None, str(ids[d]))

    people: dict[Key, int] = {}
    columns: dict[tuple[int, int, int], Line[Key]] = {}
    locals_: dict[tuple[int, int, int], Line[Key]] = {}

    def count_of(key: Key) -> int:
        return people.get(key, 0)

    def column(family: int, w: int, figure: int) -> Line[Key]:
        # The organisation's figure is the sum of the departments' (empty cells left out).
        line = columns.get((family, w, figure))
        if line is None:
            members = [(family, w, d, figure) for d in f.present[w]]
            line = columns[(family, w, figure)] = Line(
                (family, w, ORG, figure), tuple(m for m in members if count_of(m) > 0)
            )
        return line

    def local(w: int, d: int, index: int) -> Line[Key]:
        line = locals_.get((w, d, index))
        if line is None:
            total, parts = _REPORT_LINES[index]
            members = [(1, w, d, p) for p in parts]
            line = locals_[(w, d, index)] = Line(
                (1, w, d, total), tuple(m for m in members if count_of(m) > 0)
            )
        return line

    def lines_of(key: Key) -> list[Line[Key]]:
        family, w, d, figure = key
        found = [] if d == ORG else [column(family, w, figure)]
        if family == 1:
            found += [local(w, d, i) for i in _LINES_WITH_PART[figure]]
        return found

    def ties(key: Key) -> list[Key]:
        family, w, d, figure = key
        if family == 0 and figure == -1:
            return [(0, w, d, qi) for qi in range(n_questions)]
        return []

    hidden: set[Key] = set()
    for w in range(len(f.weeks)):
        departments = sorted(f.present[w], key=canonical)
        people = _week_people(f, w, departments)
        ordinal = {d: i for i, d in enumerate(departments)}
        ordinal[ORG] = -1
        cells = array("i")
        for (family, _, d, figure), n in people.items():
            cells.extend((family, ordinal[d], figure, n))
        key = (
            k,
            n_questions,
            b"".join(
                _NO_DEPARTMENT_BYTES if ids[d] is None else ids[d].bytes  # type: ignore[union-attr]
                for d in departments
            ),
            cells.tobytes(),
        )
        remembered = SUPPRESSION_MEMO.get(key)
        if remembered is None:
            week_hidden = suppress_lazily(people, lines_of, k=k, ties=ties)
            flat = array("i")
            for family, _, d, figure in week_hidden:
                flat.extend((family, ordinal[d], figure))
            SUPPRESSION_MEMO.set(key, flat.tobytes())
            hidden |= week_hidden
            continue
        flat = array("i")
        flat.frombytes(remembered)
        for i in range(0, len(flat), 3):
            position = flat[i + 1]
            hidden.add((flat[i], w, ORG if position < 0 else departments[position], flat[i + 2]))
    return hidden


# --- rows ----------------------------------------------------------------------------------
#
# Rows are built as plain dicts of the schema's TypedDicts (enum keys and all), and the
# department table is returned without validating them again (see department_insights);
# the control charts are validated in one call at the end.

JSON = dict[str, Any]
SUPPRESSED: JSON = {"value": None, "suppressed": True}
NO_DATA: JSON = {"value": None, "suppressed": False}


def _fig(value: float | None, hidden: bool) -> JSON:
    if hidden:
        return SUPPRESSED
    if value is None:
        return NO_DATA
    return {"value": float(value), "suppressed": False}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class _Cell:
    """Where a row's figures come from: one department, or all of them (``d == ORG``)."""

    w: int
    d: int
    departments: tuple[int, ...]


def _checkin_cell(f: Figures, cell: _Cell) -> CheckinCell:
    if cell.d == ORG:
        return _checkin_totals(f, cell.w, cell.departments)
    return f.checkins[cell.w].get(cell.d) or CheckinCell(0, [(0, 0, 0)] * len(f.questions))


def _checkin_block(f: Figures, cell: _Cell, hidden: set[Key]) -> JSON:
    totals = _checkin_cell(f, cell)
    block_hidden = (0, cell.w, cell.d, -1) in hidden
    questions = []
    stress: JSON | None = None
    for qi, q in enumerate(f.questions):
        answered, total, high = totals.questions[qi]
        q_hidden = block_hidden or (0, cell.w, cell.d, qi) in hidden
        mean = _ratio(total, answered) if q.type is QuestionType.scale_1_5 else None
        figure = {
            "key": q.key,
            "answered": _fig(answered, q_hidden),
            "mean": _fig(mean, q_hidden),
            "share": _fig(_ratio(high, answered), q_hidden),
        }
        questions.append(figure)
        if q.key == STRESS_KEY and q.type is QuestionType.scale_1_5:
            stress = figure
    return {
        "respondents": _fig(totals.respondents, block_hidden),
        "high_stress_share": stress["share"] if stress else NO_DATA,
        "stress_mean": stress["mean"] if stress else NO_DATA,
        "questions": questions,
    }


def _staffing_sum(f: Figures, cell: _Cell) -> tuple[int, int, int, int, int, int, float] | None:
    found = [f.staffing[cell.w][d] for d in cell.departments if d in f.staffing[cell.w]]
    if not found:
        return None
    return (
        sum(s.shifts for s in found),
        sum(s.planned_staff for s in found),
        sum(s.actual_staff for s in found),
        sum(s.census_shifts for s in found),
        sum(s.patient_census for s in found),
        sum(s.census_staff for s in found),
        sum(s.patient_days for s in found),
    )


def _staffing_block(f: Figures, cell: _Cell) -> JSON:
    found = _staffing_sum(f, cell)
    if found is None:
        return {
            "shifts": 0,
            "planned_staff": 0,
            "actual_staff": 0,
            "staffing_ratio": None,
            "patient_days": None,
            "patients_per_staff": None,
        }
    shifts, planned, actual, census_shifts, census, census_staff, patient_days = found
    return {
        "shifts": shifts,
        "planned_staff": planned,
        "actual_staff": actual,
        "staffing_ratio": _ratio(actual, planned),
        "patient_days": patient_days if census_shifts else None,
        "patients_per_staff": _ratio(census, census_staff),
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


def _debrief_block(f: Figures, cell: _Cell) -> JSON:
    found = [f.debriefs[cell.w][d] for d in cell.departments if d in f.debriefs[cell.w]]
    return {name: sum(getattr(b, name) for b in found) for name in _DEBRIEF_FIELDS}


def _support_block(f: Figures, cell: _Cell, hidden: set[Key]) -> JSON:
    found = [f.support[cell.w][d] for d in cell.departments if d in f.support[cell.w]]
    block_hidden = (2, cell.w, cell.d, -1) in hidden
    requests = sum(p.requests for p in found)
    within = sum(p.within_target for p in found)
    median = found[0].median_minutes_to_first_contact if cell.d != ORG and found else None
    return {
        "requests": _fig(requests, block_hidden),
        "requesters": _fig(sum(p.requesters for p in found), block_hidden),
        "first_contacts": _fig(sum(p.first_contacts for p in found), block_hidden),
        "median_minutes_to_first_contact": _fig(median, block_hidden),
        "within_target": _fig(within, block_hidden),
        "share_within_target": _fig(_ratio(within, requests), block_hidden),
    }


def _exposure(f: Figures, cell: _Cell) -> float | None:
    """Patient-days for a rate, only when every department with reports recorded a census
    (a rate over some of them would publish a new partial total)."""
    total = 0.0
    for d in cell.departments:
        counts = f.reports[cell.w].get(d)
        staffing = f.staffing[cell.w].get(d)
        days = staffing.patient_days if staffing and staffing.census_shifts else 0.0
        if counts is not None and counts[TOTAL] and days <= 0:
            return None
        total += days
    return total or None


def _report_counts_for(f: Figures, cell: _Cell) -> tuple[int, ...]:
    return _report_totals(f, cell.w, cell.departments)


_KIND_PARTS = [(k, _PART[("kind", k.value)]) for k in ReportKind]
_CATEGORY_PARTS = [(c, _PART[("category", c.value)]) for c in Category]
_HARM_PARTS = [(h, _PART[("harm", h.value)]) for h in Harm]


def _report_block(f: Figures, cell: _Cell, hidden: set[Key]) -> JSON:
    counts = _report_counts_for(f, cell)
    figures = [_fig(n, (1, cell.w, cell.d, i) in hidden) for i, n in enumerate(counts)]
    days = _exposure(f, cell)

    def rate(index: int) -> JSON:
        figure = figures[index]
        if figure["suppressed"] or figure["value"] is None or days is None:
            return figure
        return {"value": figure["value"] / (days / 1000), "suppressed": False}

    return {
        "total": figures[TOTAL],
        "harm_events": figures[HARM_EVENTS_PART],
        "by_kind": {name: figures[i] for name, i in _KIND_PARTS},
        "by_category": {name: figures[i] for name, i in _CATEGORY_PARTS},
        "by_harm": {name: figures[i] for name, i in _HARM_PARTS},
        "per_1000_patient_days": rate(TOTAL),
        "harm_events_per_1000_patient_days": rate(HARM_EVENTS_PART),
    }


@dataclass(frozen=True)
class _RowSpec:
    scope: RowScope
    department_id: Dept
    name: str


def _row_specs(
    session: Session, f: Figures, scope: policy.InsightScope, only: uuid.UUID | None
) -> list[_RowSpec]:
    with_data = {f.departments[d] for week in f.present for d in week}
    if scope.all_departments:
        candidates = set(org_service.active_department_ids(session)) | {
            d for d in with_data if d is not None
        }
    else:
        candidates = set(scope.departments)
    if only is not None:
        candidates &= {only}
    names = org_service.department_names(session, sorted(candidates))
    specs = [_RowSpec(RowScope.organisation, None, "Whole organisation")]
    specs += sorted(
        (_RowSpec(RowScope.department, d, names.get(d, "Unknown department")) for d in candidates),
        key=lambda s: s.name.casefold(),
    )
    if scope.all_departments and only is None and None in with_data:
        specs.append(_RowSpec(RowScope.unassigned, None, "No department"))
    return specs


def _cell_for(spec: _RowSpec, f: Figures, w: int) -> _Cell:
    if spec.scope is RowScope.organisation:
        return _Cell(w, ORG, tuple(f.present[w]))
    index = f.find(spec.department_id)
    if index is None:  # no data at all for this department in the window
        index = f.index(spec.department_id)
    return _Cell(w, index, (index,))


def _check_department(scope: policy.InsightScope, department_id: uuid.UUID | None) -> None:
    if department_id is not None and not scope.sees(department_id):
        raise NotFound("No such department, or not one whose figures you may see.")


def department_insights(
    session: Session,
    principal: Principal,
    *,
    start: date | None = None,
    end: date | None = None,
    department_id: uuid.UUID | None = None,
) -> DepartmentInsights:
    scope = policy.scope_for(principal)
    _check_department(scope, department_id)
    k = get_settings().insights.min_cell_size
    weeks = _window(start, end, DEFAULT_WEEKS)
    f = _collect(session, weeks)
    hidden = _suppressed(f, k)
    rows: list[Any] = []  # DepartmentWeek dicts, typed by the schema (see below)
    for spec in _row_specs(session, f, scope, department_id):
        for w, week in enumerate(weeks):
            cell = _cell_for(spec, f, w)
            rows.append(
                {
                    "scope": spec.scope,
                    "department_id": spec.department_id,
                    "department_name": spec.name,
                    "week_start": week,
                    "checkins": _checkin_block(f, cell, hidden),
                    "reports": _report_block(f, cell, hidden),
                    "staffing": _staffing_block(f, cell),
                    "support": _support_block(f, cell, hidden),
                    "debriefs": _debrief_block(f, cell),
                }
            )
    # Built, not re-validated: some 30,000 figures made here from typed parts, whose types
    # match the schema exactly (a test serialises with warnings as errors and validates the
    # result); validating them again cost ~15% of the request.
    return DepartmentInsights.model_construct(
        min_cell_size=k,
        first_week=weeks[0],
        last_week=weeks[-1],
        weeks=weeks,
        questions=[
            QuestionInfo(key=q.key, text=q.text, type=q.type, higher_is_better=q.higher_is_better)
            for q in f.questions
        ],
        rows=rows,
    )


# --- control charts ----------------------------------------------------------------------

_RULE_WEIGHT = {
    spc.Rule.beyond_limits: 3.0,
    spc.Rule.two_of_three: 2.0,
    spc.Rule.run_of_eight: 1.5,
    spc.Rule.trend_of_six: 1.0,
}
_METRIC_WEIGHT = {
    Metric.high_stress_share: 1.0,
    Metric.harm_rate: 1.0,
    Metric.score_mean: 0.75,
    # More reports can mean a more open unit: a rise is worth a look, never a ranking.
    Metric.report_rate: 0.5,
}


@dataclass(frozen=True)
class _Series:
    metric: Metric
    question: QuestionRead | None
    label: str
    unit: Unit
    adverse: spc.Direction | None
    chart: spc.Chart
    suppressed: tuple[bool, ...]


def _fmt(value: float, unit: Unit) -> str:
    if unit is Unit.share:
        return f"{value * 100:.0f}%"
    if unit is Unit.score:
        return f"{value:.1f}"
    if unit is Unit.per_1000_patient_days:
        return f"{value:.1f} per 1,000 patient-days"
    return f"{value:.1f} per week"


def _week_words(week: date) -> str:
    return f"the week of {week.day} {week:%b %Y}"


def describe(series: _Series, signal: spc.Signal, weeks: Sequence[date]) -> str:
    """A signal in plain words."""
    last = signal.indices[-1]
    point = series.chart.points[last]
    value = point.value if point.value is not None else 0.0
    centre = series.chart.centre if series.chart.centre is not None else 0.0
    label = series.label
    when = _week_words(weeks[last])
    n = len(signal.indices)
    up = signal.direction is spc.Direction.up
    if signal.rule is spc.Rule.beyond_limits:
        limit = point.ucl if up else point.lcl
        side = "above the upper" if up else "below the lower"
        return (
            f"{label}: {_fmt(value, series.unit)} in {when}, {side} control limit "
            f"of {_fmt(limit or 0.0, series.unit)}."
        )
    if signal.rule is spc.Rule.run_of_eight:
        side = "above" if up else "below"
        return (
            f"{label} has been {side} its usual level ({_fmt(centre, series.unit)}) for "
            f"{n} weeks in a row, to {when}."
        )
    if signal.rule is spc.Rule.trend_of_six:
        verb = "risen" if up else "fallen"
        return f"{label} has {verb} {n} weeks in a row, to {_fmt(value, series.unit)} in {when}."
    side = "above" if up else "below"
    return (
        f"{label}: 2 of 3 weeks far {side} its usual level ({_fmt(centre, series.unit)}), "
        f"to {when}."
    )


def _cell_series(f: Figures, hidden: set[Key], spec: _RowSpec) -> list[_Series]:
    baseline = get_settings().insights.baseline_weeks
    cells = [_cell_for(spec, f, w) for w in range(len(f.weeks))]
    totals = [_checkin_cell(f, c) for c in cells]
    series: list[_Series] = []
    for qi, q in enumerate(f.questions):
        if q.type is not QuestionType.scale_1_5:
            continue
        hidden_q = tuple((0, c.w, c.d, -1) in hidden or (0, c.w, c.d, qi) in hidden for c in cells)
        sums = [t.questions[qi] for t in totals]
        if q.key == STRESS_KEY:
            samples = [
                None if h or s[0] == 0 else (s[2], s[0])
                for h, s in zip(hidden_q, sums, strict=True)
            ]
            series.append(
                _Series(
                    Metric.high_stress_share,
                    q,
                    "Share of staff reporting high stress (4-5)",
                    Unit.share,
                    spc.Direction.up,
                    spc.p_chart(samples, baseline=baseline),
                    hidden_q,
                )
            )
        means = [
            None if h or s[0] == 0 else s[1] / s[0] for h, s in zip(hidden_q, sums, strict=True)
        ]
        adverse = (
            None
            if q.higher_is_better is None
            else spc.Direction.down
            if q.higher_is_better
            else spc.Direction.up
        )
        series.append(
            _Series(
                Metric.score_mean,
                q,
                f"Mean answer to “{q.text}”",
                Unit.score,
                adverse,
                spc.xmr_chart(means, baseline=baseline),
                hidden_q,
            )
        )
    exposures = [_exposure(f, c) for c in cells]
    per_days = all(e is not None for e in exposures)
    counts = [_report_counts_for(f, c) for c in cells]
    for metric, part, noun in (
        (Metric.report_rate, TOTAL, "Reports"),
        (Metric.harm_rate, HARM_EVENTS_PART, "Harm events"),
    ):
        hidden_r = tuple((1, c.w, c.d, part) in hidden for c in cells)
        samples_u: list[tuple[float, float] | None] = []
        for h, n, exposure in zip(hidden_r, counts, exposures, strict=True):
            if h:
                samples_u.append(None)
            elif per_days and exposure is not None:
                samples_u.append((float(n[part]), exposure / 1000))
            else:
                samples_u.append((float(n[part]), 1.0))
        unit = Unit.per_1000_patient_days if per_days else Unit.per_week
        label = f"{noun} per 1,000 patient-days" if per_days else f"{noun} per week"
        series.append(
            _Series(
                metric,
                None,
                label,
                unit,
                spc.Direction.up,
                spc.u_chart(samples_u, baseline=baseline),
                hidden_r,
            )
        )
    return series


def _signal_read(series: _Series, signal: spc.Signal, weeks: Sequence[date]) -> JSON:
    return {
        "rule": signal.rule,
        "direction": signal.direction,
        "first_week": weeks[signal.indices[0]],
        "last_week": weeks[signal.indices[-1]],
        "weeks": len(signal.indices),
        "adverse": series.adverse is not None and signal.direction is series.adverse,
        "current": signal in series.chart.current_signals(),
        "description": describe(series, signal, weeks),
    }


def _chart_read(spec: _RowSpec, series: _Series, weeks: Sequence[date]) -> JSON:
    return {
        "scope": spec.scope,
        "department_id": spec.department_id,
        "department_name": spec.name,
        "metric": series.metric,
        "question_key": series.question.key if series.question else None,
        "label": series.label,
        "chart": series.chart.kind,
        "unit": series.unit,
        "centre": series.chart.centre,
        "baseline_points": series.chart.baseline_points,
        "points": [
            {
                "week_start": week,
                "value": point.value,
                "suppressed": hidden,
                "ucl": point.ucl,
                "lcl": point.lcl,
                "flags": sorted(point.flags),
            }
            for week, point, hidden in zip(
                weeks, series.chart.points, series.suppressed, strict=True
            )
        ],
        "signals": [_signal_read(series, s, weeks) for s in series.chart.signals],
    }


def _chart_inputs(
    session: Session,
    principal: Principal,
    *,
    end: date | None,
    weeks: int | None,
    department_id: uuid.UUID | None,
) -> tuple[Figures, set[Key], list[_RowSpec], int]:
    scope = policy.scope_for(principal)
    _check_department(scope, department_id)
    settings = get_settings().insights
    window = weeks or settings.window_weeks
    if window < settings.baseline_weeks + 1:
        raise Unprocessable(
            "The window must be longer than the baseline.",
            errors=[field_error("weeks", f"At least {settings.baseline_weeks + 1}.", "query")],
        )
    window_weeks = _window(None, end, window, max_weeks=MAX_CHART_WEEKS)
    figures = _collect(session, window_weeks)
    hidden = _suppressed(figures, settings.min_cell_size)
    specs = _row_specs(session, figures, scope, department_id)
    specs = [s for s in specs if s.scope is not RowScope.unassigned]
    return figures, hidden, specs, settings.min_cell_size


def control_charts(
    session: Session,
    principal: Principal,
    *,
    end: date | None = None,
    weeks: int | None = None,
    department_id: uuid.UUID | None = None,
    metric: Metric | None = None,
) -> Signals:
    figures, hidden, specs, k = _chart_inputs(
        session, principal, end=end, weeks=weeks, department_id=department_id
    )
    charts = []
    for spec in specs:
        if department_id is not None and spec.scope is RowScope.organisation:
            continue
        for series in _cell_series(figures, hidden, spec):
            if metric is None or series.metric is metric:
                charts.append(_chart_read(spec, series, figures.weeks))
    return Signals.model_validate(
        {
            "min_cell_size": k,
            "first_week": figures.weeks[0],
            "last_week": figures.weeks[-1],
            "baseline_weeks": get_settings().insights.baseline_weeks,
            "charts": charts,
        }
    )


def hotspots(session: Session, principal: Principal, *, end: date | None = None) -> Hotspots:
    """Departments with a current signal in the direction of strain, worst first."""
    scope = policy.scope_for(principal)
    if scope.organisation_only:
        raise Forbidden("Hotspots name departments: your role sees organisation-wide figures.")
    figures, hidden, specs, _ = _chart_inputs(
        session, principal, end=end, weeks=None, department_id=None
    )
    items = []
    for spec in specs:
        if spec.scope is not RowScope.department or spec.department_id is None:
            continue
        reasons: list[tuple[float, HotspotReason]] = []
        for series in _cell_series(figures, hidden, spec):
            if series.adverse is None:
                continue
            for signal in series.chart.current_signals():
                if signal.direction is not series.adverse:
                    continue
                weight = _RULE_WEIGHT[signal.rule] * _METRIC_WEIGHT[series.metric]
                reasons.append(
                    (
                        weight,
                        HotspotReason(
                            metric=series.metric,
                            question_key=series.question.key if series.question else None,
                            rule=signal.rule,
                            direction=signal.direction,
                            week_start=figures.weeks[signal.indices[-1]],
                            description=describe(series, signal, figures.weeks),
                        ),
                    )
                )
        if reasons:
            reasons.sort(key=lambda r: -r[0])
            items.append(
                Hotspot(
                    department_id=spec.department_id,
                    department_name=spec.name,
                    severity=round(sum(w for w, _ in reasons), 2),
                    reasons=[r for _, r in reasons],
                )
            )
    items.sort(key=lambda h: (-h.severity, h.department_name.casefold()))
    return Hotspots(last_week=figures.weeks[-1], items=items)


# --- acting on a hotspot -------------------------------------------------------------------


def _active_peer_supporters(session: Session) -> list[uuid.UUID]:
    """Peer supporters on the support program's roster who are active and not paused."""
    found: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        page, cursor = support_service.list_supporters(
            session, params=PageParams(limit=200, cursor=cursor)
        )
        found.extend(s.user_id for s in page if s.is_active and not s.is_paused)
        if cursor is None:
            return found


def alert_supporters(
    session: Session, principal: Principal, *, department_id: uuid.UUID
) -> SupportersAlerted:
    """Ask the active peer supporters to be available for a department. The notification
    names the department only: no figure, no reason, nothing about anyone."""
    if not policy.scope_for(principal).sees(department_id):
        raise NotFound("No such department.")
    department = org_service.get_department(session, department_id)
    supporters = _active_peer_supporters(session)
    notifications_service.notify(
        session,
        user_ids=supporters,
        kind="insights.support_needed",
        title=f"Peer support may be needed in {department.name}: please make yourself available",
        link=None,
    )
    audit.record_event(
        session,
        principal,
        action="insights.supporters_alerted",
        object_type="department",
        object_id=department_id,
    )
    return SupportersAlerted(notified=len(supporters))
