"""Insights: weekly figures from every source, suppressed, then charted.

Each source is one function of its own domain called once for the window, feeding one
field of :class:`Figures`; everything after that (suppression, rows, control charts,
hotspots) works on those figures only. Nothing here reads another domain's tables.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from haven.auth import service as auth_service
from haven.auth.schemas import Role
from haven.checkins import service as checkins_service
from haven.checkins.schemas import (
    CheckinWeekFigures,
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
from haven.insights import policy, spc
from haven.insights.schemas import (
    ChartPointRead,
    CheckinFigures,
    ControlChart,
    DepartmentInsights,
    DepartmentWeek,
    Figure,
    Hotspot,
    HotspotReason,
    Hotspots,
    Metric,
    QuestionFigure,
    QuestionInfo,
    ReportFigures,
    RowScope,
    SignalRead,
    Signals,
    StaffingFigures,
    SupportersAlerted,
    Unit,
)
from haven.insights.suppression import Line, suppress
from haven.notifications import service as notifications_service
from haven.org import service as org_service
from haven.reports import service as reports_service
from haven.reports.schemas import HARM_EVENTS, Category, Harm, ReportKind, ReportWeekFigures

MAX_WEEKS = 53
DEFAULT_WEEKS = 13  # a quarter
MAX_CHART_WEEKS = 104
STRESS_KEY = checkins_service.STRESS_KEY
ORG = "organisation"

Dept = uuid.UUID | None
Key = tuple[Hashable, ...]


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


@dataclass
class Figures:
    weeks: list[date]
    questions: list[QuestionRead]
    checkins: dict[tuple[date, Dept], CheckinWeekFigures] = field(default_factory=dict)
    staffing: dict[tuple[date, Dept], StaffingWeekFigures] = field(default_factory=dict)
    reports: dict[tuple[date, Dept], ReportWeekFigures] = field(default_factory=dict)

    def departments(self, week: date) -> list[Dept]:
        found: set[Dept] = set()
        for source in (self.checkins, self.staffing, self.reports):
            found.update(d for w, d in source if w == week)
        return sorted(found, key=lambda d: (d is None, str(d)))


def _collect(session: Session, weeks: list[date]) -> Figures:
    start, end = weeks[0], weeks[-1] + timedelta(days=6)
    figures = Figures(weeks=weeks, questions=checkins_service.insight_questions(session))
    for c in checkins_service.weekly_checkin_figures(session, start=start, end=end):
        figures.checkins[(c.week_start, c.department_id)] = c
    for s in checkins_service.weekly_staffing_figures(session, start=start, end=end):
        figures.staffing[(s.week_start, s.department_id)] = s
    for r in reports_service.weekly_figures(session, start=start, end=end):
        figures.reports[(r.week_start, r.department_id)] = r
    return figures


# --- suppression: the cells and lines of each family ----------------------------------------

_REPORT_DIMENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kind", tuple(k.value for k in ReportKind)),
    ("category", tuple(c.value for c in Category)),
    ("harm", tuple(h.value for h in Harm)),
)
_HARMFUL = tuple(h.value for h in Harm if h in HARM_EVENTS)
_NOT_HARMFUL = tuple(h.value for h in Harm if h not in HARM_EVENTS)


def _report_counts(r: ReportWeekFigures | None) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {
        ("total",): r.reports if r else 0,
        ("harm_events",): r.harm_events if r else 0,
    }
    for name, values in _REPORT_DIMENSIONS:
        breakdown: dict[str, int] = {}
        if r is not None:
            source: dict[str, dict[str, int]] = {
                "kind": {str(k): v for k, v in r.by_kind.items()},
                "category": {str(k): v for k, v in r.by_category.items()},
                "harm": {str(k): v for k, v in r.by_harm.items()},
            }
            breakdown = source[name]
        for value in values:
            counts[(name, value)] = breakdown.get(value, 0)
    return counts


def _report_lines(week: date, where: Hashable) -> list[Line[Key]]:
    def key(*parts: str) -> Key:
        return ("r", week, where, *parts)

    lines = [
        Line(key("total"), tuple(key(name, v) for v in values))
        for name, values in _REPORT_DIMENSIONS
    ]
    lines.append(Line(key("harm_events"), tuple(key("harm", v) for v in _HARMFUL)))
    lines.append(Line(key("total"), (key("harm_events"), *(key("harm", v) for v in _NOT_HARMFUL))))
    return lines


def _suppressed(figures: Figures, k: int) -> set[Key]:
    people: dict[Key, int] = {}
    lines: list[Line[Key]] = []
    ties: dict[Key, list[Key]] = {}
    question_keys = [q.key for q in figures.questions]
    for week in figures.weeks:
        departments = figures.departments(week)
        # check-ins: respondents, and each question's answers
        org_people = 0
        org_answered: dict[str, int] = defaultdict(int)
        for d in departments:
            cell = figures.checkins.get((week, d))
            respondents = cell.respondents if cell else 0
            answered = {q.key: q.answered for q in cell.questions} if cell else {}
            people[("c", week, d)] = respondents
            org_people += respondents
            ties[("c", week, d)] = []
            for q in question_keys:
                people[("c", week, d, q)] = answered.get(q, 0)
                org_answered[q] += answered.get(q, 0)
                ties[("c", week, d)].append(("c", week, d, q))
        people[("c", week, ORG)] = org_people
        ties[("c", week, ORG)] = [("c", week, ORG, q) for q in question_keys]
        lines.append(Line(("c", week, ORG), tuple(("c", week, d) for d in departments)))
        for q in question_keys:
            people[("c", week, ORG, q)] = org_answered[q]
            lines.append(Line(("c", week, ORG, q), tuple(("c", week, d, q) for d in departments)))
        # reports: each report counts as one person (see the package docstring)
        org_counts: dict[tuple[str, ...], int] = defaultdict(int)
        for d in departments:
            for parts, count in _report_counts(figures.reports.get((week, d))).items():
                people[("r", week, d, *parts)] = count
                org_counts[parts] += count
            lines.extend(_report_lines(week, d))
        for parts, count in org_counts.items():
            people[("r", week, ORG, *parts)] = count
            lines.append(
                Line(("r", week, ORG, *parts), tuple(("r", week, d, *parts) for d in departments))
            )
        lines.extend(_report_lines(week, ORG))
    return suppress(people, lines, k=k, ties=ties)


# --- rows ----------------------------------------------------------------------------------


def _fig(value: float | None, hidden: bool) -> Figure:
    return Figure(value=None, suppressed=True) if hidden else Figure(value=value)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class _Cell:
    """Where a row's figures come from: one department, or the sum of several."""

    week: date
    where: Hashable  # a department id, None (no department) or ORG
    departments: tuple[Dept, ...]


def _checkin_block(
    figures: Figures, cell: _Cell, hidden: set[Key]
) -> tuple[CheckinFigures, dict[str, tuple[int, int, int]]]:
    respondents = 0
    sums: dict[str, list[int]] = {q.key: [0, 0, 0] for q in figures.questions}
    for d in cell.departments:
        c = figures.checkins.get((cell.week, d))
        if c is None:
            continue
        respondents += c.respondents
        for answered_q in c.questions:
            if answered_q.key in sums:
                sums[answered_q.key][0] += answered_q.answered
                sums[answered_q.key][1] += answered_q.total
                sums[answered_q.key][2] += answered_q.high
    block_hidden = ("c", cell.week, cell.where) in hidden
    questions = []
    by_key: dict[str, QuestionFigure] = {}
    for q in figures.questions:
        answered, total, high = sums[q.key]
        q_hidden = block_hidden or ("c", cell.week, cell.where, q.key) in hidden
        mean = _ratio(total, answered) if q.type is QuestionType.scale_1_5 else None
        figure = QuestionFigure(
            key=q.key,
            answered=_fig(answered, q_hidden),
            mean=_fig(mean, q_hidden),
            share=_fig(_ratio(high, answered), q_hidden),
        )
        questions.append(figure)
        by_key[q.key] = figure
    stress = by_key.get(STRESS_KEY)
    none = Figure(value=None)
    block = CheckinFigures(
        respondents=_fig(respondents, block_hidden),
        high_stress_share=stress.share if stress else none,
        stress_mean=stress.mean if stress else none,
        questions=questions,
    )
    return block, {k: (v[0], v[1], v[2]) for k, v in sums.items()}


def _staffing_sum(figures: Figures, cell: _Cell) -> StaffingWeekFigures | None:
    found = [
        figures.staffing[(cell.week, d)]
        for d in cell.departments
        if (cell.week, d) in figures.staffing
    ]
    if not found:
        return None
    return StaffingWeekFigures(
        department_id=found[0].department_id,
        week_start=cell.week,
        shifts=sum(s.shifts for s in found),
        planned_staff=sum(s.planned_staff for s in found),
        actual_staff=sum(s.actual_staff for s in found),
        census_shifts=sum(s.census_shifts for s in found),
        patient_census=sum(s.patient_census for s in found),
        census_staff=sum(s.census_staff for s in found),
        patient_days=sum(s.patient_days for s in found),
    )


def _staffing_block(s: StaffingWeekFigures | None) -> StaffingFigures:
    if s is None:
        return StaffingFigures(
            shifts=0,
            planned_staff=0,
            actual_staff=0,
            staffing_ratio=None,
            patient_days=None,
            patients_per_staff=None,
        )
    return StaffingFigures(
        shifts=s.shifts,
        planned_staff=s.planned_staff,
        actual_staff=s.actual_staff,
        staffing_ratio=_ratio(s.actual_staff, s.planned_staff),
        patient_days=s.patient_days if s.census_shifts else None,
        patients_per_staff=_ratio(s.patient_census, s.census_staff),
    )


def _exposure_complete(figures: Figures, cell: _Cell) -> float | None:
    """Patient-days for a rate, only when every department with reports recorded a census
    (a rate over some of them would publish a new partial total)."""
    total = 0.0
    for d in cell.departments:
        reports = figures.reports.get((cell.week, d))
        staffing = figures.staffing.get((cell.week, d))
        days = staffing.patient_days if staffing and staffing.census_shifts else 0.0
        if reports is not None and reports.reports and days <= 0:
            return None
        total += days
    return total or None


def _report_block(figures: Figures, cell: _Cell, hidden: set[Key]) -> ReportFigures:
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    for d in cell.departments:
        for parts, count in _report_counts(figures.reports.get((cell.week, d))).items():
            counts[parts] += count

    def fig(*parts: str) -> Figure:
        return _fig(counts[parts], ("r", cell.week, cell.where, *parts) in hidden)

    days = _exposure_complete(figures, cell)

    def rate(*parts: str) -> Figure:
        figure = fig(*parts)
        if figure.suppressed or figure.value is None or days is None:
            return figure
        return Figure(value=figure.value / (days / 1000))

    return ReportFigures(
        total=fig("total"),
        harm_events=fig("harm_events"),
        by_kind={k: fig("kind", k.value) for k in ReportKind},
        by_category={c: fig("category", c.value) for c in Category},
        by_harm={h: fig("harm", h.value) for h in Harm},
        per_1000_patient_days=rate("total"),
        harm_events_per_1000_patient_days=rate("harm_events"),
    )


@dataclass(frozen=True)
class _RowSpec:
    scope: RowScope
    department_id: Dept
    name: str


def _row_specs(
    session: Session, figures: Figures, scope: policy.InsightScope, only: uuid.UUID | None
) -> list[_RowSpec]:
    with_data = {d for w in figures.weeks for d in figures.departments(w)}
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


def _cell_for(spec: _RowSpec, figures: Figures, week: date) -> _Cell:
    if spec.scope is RowScope.organisation:
        return _Cell(week, ORG, tuple(figures.departments(week)))
    return _Cell(week, spec.department_id, (spec.department_id,))


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
    figures = _collect(session, weeks)
    hidden = _suppressed(figures, k)
    rows = []
    for spec in _row_specs(session, figures, scope, department_id):
        for week in weeks:
            cell = _cell_for(spec, figures, week)
            checkins, _ = _checkin_block(figures, cell, hidden)
            rows.append(
                DepartmentWeek(
                    scope=spec.scope,
                    department_id=spec.department_id,
                    department_name=spec.name,
                    week_start=week,
                    checkins=checkins,
                    reports=_report_block(figures, cell, hidden),
                    staffing=_staffing_block(_staffing_sum(figures, cell)),
                )
            )
    return DepartmentInsights(
        min_cell_size=k,
        first_week=weeks[0],
        last_week=weeks[-1],
        weeks=weeks,
        questions=[
            QuestionInfo(key=q.key, text=q.text, type=q.type, higher_is_better=q.higher_is_better)
            for q in figures.questions
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


def _cell_series(figures: Figures, hidden: set[Key], spec: _RowSpec) -> list[_Series]:
    weeks = figures.weeks
    baseline = get_settings().insights.baseline_weeks
    cells = [_cell_for(spec, figures, w) for w in weeks]
    blocks = [_checkin_block(figures, c, hidden) for c in cells]
    series: list[_Series] = []
    for q in figures.questions:
        if q.type is not QuestionType.scale_1_5:
            continue
        hidden_q = [
            ("c", c.week, c.where) in hidden or ("c", c.week, c.where, q.key) in hidden
            for c in cells
        ]
        sums = [b[1][q.key] for b in blocks]
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
                    tuple(hidden_q),
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
                tuple(hidden_q),
            )
        )
    exposures = [_exposure_complete(figures, c) for c in cells]
    per_days = all(e is not None for e in exposures)
    blocks_r = [_report_block(figures, c, hidden) for c in cells]
    for metric, attribute, noun in (
        (Metric.report_rate, "total", "Reports"),
        (Metric.harm_rate, "harm_events", "Harm events"),
    ):
        counts = [getattr(b, attribute) for b in blocks_r]
        samples_u: list[tuple[float, float] | None] = []
        for fig, exposure in zip(counts, exposures, strict=True):
            if fig.suppressed or fig.value is None:
                samples_u.append(None)
            elif per_days and exposure is not None:
                samples_u.append((fig.value, exposure / 1000))
            else:
                samples_u.append((fig.value, 1.0))
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
                tuple(f.suppressed for f in counts),
            )
        )
    return series


def _signal_read(series: _Series, signal: spc.Signal, weeks: Sequence[date]) -> SignalRead:
    current = signal in series.chart.current_signals()
    return SignalRead(
        rule=signal.rule,
        direction=signal.direction,
        first_week=weeks[signal.indices[0]],
        last_week=weeks[signal.indices[-1]],
        weeks=len(signal.indices),
        adverse=series.adverse is not None and signal.direction is series.adverse,
        current=current,
        description=describe(series, signal, weeks),
    )


def _chart_read(spec: _RowSpec, series: _Series, weeks: Sequence[date]) -> ControlChart:
    return ControlChart(
        scope=spec.scope,
        department_id=spec.department_id,
        department_name=spec.name,
        metric=series.metric,
        question_key=series.question.key if series.question else None,
        label=series.label,
        chart=series.chart.kind,
        unit=series.unit,
        centre=series.chart.centre,
        baseline_points=series.chart.baseline_points,
        points=[
            ChartPointRead(
                week_start=week,
                value=point.value,
                suppressed=hidden,
                ucl=point.ucl,
                lcl=point.lcl,
                flags=sorted(point.flags),
            )
            for week, point, hidden in zip(
                weeks, series.chart.points, series.suppressed, strict=True
            )
        ],
        signals=[_signal_read(series, s, weeks) for s in series.chart.signals],
    )


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
    return Signals(
        min_cell_size=k,
        first_week=figures.weeks[0],
        last_week=figures.weeks[-1],
        baseline_weeks=get_settings().insights.baseline_weeks,
        charts=charts,
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
    found: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        page, cursor = auth_service.list_users(
            session, params=PageParams(limit=200, cursor=cursor), role=Role.peer_supporter
        )
        found.extend(u.id for u in page)
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
