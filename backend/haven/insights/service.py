"""Insights: the department table, control charts and hotspots, each cut from the weekly
releases (``release``) for what the caller may see. Nothing here reads another domain's
figures directly: a week is shown only as it was released.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from haven.checkins import service as checkins_service
from haven.core import audit
from haven.core.errors import Forbidden, NotFound, Unprocessable, field_error
from haven.core.pagination import PageParams
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.core.weeks import ONE_WEEK, monday_of, weeks_between
from haven.insights import charts, policy, release, spc
from haven.insights.schemas import (
    DEBRIEF_FIELDS,
    DepartmentInsights,
    Hotspot,
    HotspotReason,
    Hotspots,
    Metric,
    QuestionInfo,
    RowScope,
    Signals,
    SupportersAlerted,
)
from haven.notifications import service as notifications_service
from haven.org import service as org_service
from haven.reports.schemas import Category, Harm, ReportKind
from haven.support import service as support_service

MAX_WEEKS = 53
DEFAULT_WEEKS = 13  # a quarter
MAX_CHART_WEEKS = 104
JSON = dict[str, Any]


# --- the window ----------------------------------------------------------------------------


def _window(
    session: Session,
    start: date | None,
    end: date | None,
    default_weeks: int,
    max_weeks: int = MAX_WEEKS,
) -> list[date]:
    latest = release.last_closed_week(session)
    last = min(monday_of(end), latest) if end is not None else latest
    first = monday_of(start) if start is not None else last - (default_weeks - 1) * ONE_WEEK
    if first > last:
        raise Unprocessable(
            "The range has no released week: a week is shown once it has closed.",
            errors=[field_error("start", "Choose a start before the last released week.", "query")],
        )
    weeks = weeks_between(first, last)
    if len(weeks) > max_weeks:
        raise Unprocessable(
            f"Ask for at most {max_weeks} weeks at a time.",
            errors=[field_error("start", f"At most {max_weeks} weeks.", "query")],
        )
    return weeks


# --- rows of the caller's view ---------------------------------------------------------------


@dataclass(frozen=True)
class _RowSpec:
    scope: RowScope
    department_id: uuid.UUID | None
    name: str


@dataclass(frozen=True)
class _View:
    weeks: list[date]
    questions: list[QuestionInfo]
    specs: list[_RowSpec]
    # per spec (by position), per week: the released row, typed
    rows: list[list[JSON]]


def _questions(
    session: Session, releases: Mapping[date, release.Release], weeks: Sequence[date]
) -> list[QuestionInfo]:
    """The questions of the latest released week (else the active check-in's)."""
    for week in reversed(weeks):
        found = releases.get(week)
        if found is not None:
            return [QuestionInfo.model_validate(q) for q in found.figures["questions"]]
    return [
        QuestionInfo(key=q.key, text=q.text, type=q.type, higher_is_better=q.higher_is_better)
        for q in checkins_service.insight_questions(session)
    ]


def _key(row: Mapping[str, Any]) -> tuple[str, str | None]:
    return (row["scope"], row["department_id"])


def _view(
    session: Session,
    scope: policy.InsightScope,
    weeks: list[date],
    only: uuid.UUID | None,
) -> _View:
    releases = release.releases(session, weeks)
    questions = _questions(session, releases, weeks)
    by_week: dict[date, dict[tuple[str, str | None], JSON]] = {
        week: {_key(r): r for r in found.figures["rows"]} for week, found in releases.items()
    }
    with_data = {
        uuid.UUID(key[1]) if key[1] else None
        for rows in by_week.values()
        for key in rows
        if key[0] != RowScope.organisation.value
    }
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
    rows = [
        [
            _typed(
                by_week.get(week, {}).get(
                    (spec.scope.value, str(spec.department_id) if spec.department_id else None)
                )
                or _empty(questions),
                spec,
                week,
            )
            for week in weeks
        ]
        for spec in specs
    ]
    return _View(weeks, questions, specs, rows)


def _zero() -> JSON:
    return {"value": 0.0, "suppressed": False}


def _nothing() -> JSON:
    return {"value": None, "suppressed": False}


def _empty(questions: Sequence[QuestionInfo]) -> JSON:
    """A row for a department with no record in a released week: zeros (nobody)."""
    return {
        "checkins": {
            "respondents": _zero(),
            "high_stress_share": _nothing(),
            "stress_mean": _nothing(),
            "questions": [
                {"key": q.key, "answered": _zero(), "mean": _nothing(), "share": _nothing()}
                for q in questions
            ],
        },
        "reports": {
            "total": _zero(),
            "harm_events": _zero(),
            "by_kind": {k.value: _zero() for k in ReportKind},
            "by_category": {c.value: _zero() for c in Category},
            "by_harm": {h.value: _zero() for h in Harm},
            "per_1000_patient_days": _nothing(),
            "harm_events_per_1000_patient_days": _nothing(),
        },
        "staffing": {
            "shifts": 0,
            "planned_staff": 0,
            "actual_staff": 0,
            "staffing_ratio": None,
            "patient_days": None,
            "patients_per_staff": None,
        },
        "support": {
            "requests": _zero(),
            "requesters": _zero(),
            "first_contacts": _zero(),
            "median_minutes_to_first_contact": _nothing(),
            "within_target": _zero(),
            "share_within_target": _nothing(),
        },
        "debriefs": dict.fromkeys(
            DEBRIEF_FIELDS,
            0,
        ),
    }


def _typed(raw: JSON, spec: _RowSpec, week: date) -> JSON:
    """A released row as the schema's TypedDicts expect it (enum keys, dates, ids)."""
    reports = raw["reports"]
    return {
        "scope": spec.scope,
        "department_id": spec.department_id,
        "department_name": spec.name,
        "week_start": week,
        "checkins": raw["checkins"],
        "reports": {
            **reports,
            "by_kind": {ReportKind(k): v for k, v in reports["by_kind"].items()},
            "by_category": {Category(k): v for k, v in reports["by_category"].items()},
            "by_harm": {Harm(k): v for k, v in reports["by_harm"].items()},
        },
        "staffing": raw["staffing"],
        "support": raw["support"],
        "debriefs": raw["debriefs"],
    }


def _check_department(scope: policy.InsightScope, department_id: uuid.UUID | None) -> None:
    if department_id is not None and not scope.sees(department_id):
        raise NotFound("No such department, or not one whose figures you may see.")


# --- the department table --------------------------------------------------------------------


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
    weeks = _window(session, start, end, DEFAULT_WEEKS)
    view = _view(session, scope, weeks, department_id)
    # Built, not re-validated: released figures typed as the schema says (a test serialises
    # the result with warnings as errors and validates it).
    return DepartmentInsights.model_construct(
        min_cell_size=get_settings().insights.min_cell_size,
        first_week=weeks[0],
        last_week=weeks[-1],
        weeks=weeks,
        questions=view.questions,
        rows=[row for rows in view.rows for row in rows],  # type: ignore[misc]
    )


# --- control charts ------------------------------------------------------------------------

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


def _chart_view(
    session: Session,
    principal: Principal,
    *,
    end: date | None,
    weeks: int | None,
    department_id: uuid.UUID | None,
) -> _View:
    scope = policy.scope_for(principal)
    _check_department(scope, department_id)
    settings = get_settings().insights
    window = weeks or settings.window_weeks
    if window < settings.baseline_weeks + 1:
        raise Unprocessable(
            "The window must be longer than the baseline.",
            errors=[field_error("weeks", f"At least {settings.baseline_weeks + 1}.", "query")],
        )
    window_weeks = _window(session, None, end, window, max_weeks=MAX_CHART_WEEKS)
    view = _view(session, scope, window_weeks, department_id)
    keep = [i for i, s in enumerate(view.specs) if s.scope is not RowScope.unassigned]
    return _View(
        view.weeks, view.questions, [view.specs[i] for i in keep], [view.rows[i] for i in keep]
    )


def _head(spec: _RowSpec) -> JSON:
    return {
        "scope": spec.scope,
        "department_id": spec.department_id,
        "department_name": spec.name,
    }


def control_charts(
    session: Session,
    principal: Principal,
    *,
    end: date | None = None,
    weeks: int | None = None,
    department_id: uuid.UUID | None = None,
    metric: Metric | None = None,
) -> Signals:
    view = _chart_view(session, principal, end=end, weeks=weeks, department_id=department_id)
    baseline = get_settings().insights.baseline_weeks
    found = []
    for spec, rows in zip(view.specs, view.rows, strict=True):
        if department_id is not None and spec.scope is RowScope.organisation:
            continue
        for series in charts.series_of(rows, view.questions, baseline):
            if metric is None or series.metric is metric:
                found.append(charts.chart_read(_head(spec), series, view.weeks))
    return Signals.model_validate(
        {
            "min_cell_size": get_settings().insights.min_cell_size,
            "first_week": view.weeks[0],
            "last_week": view.weeks[-1],
            "baseline_weeks": baseline,
            "charts": found,
        }
    )


def hotspots(session: Session, principal: Principal, *, end: date | None = None) -> Hotspots:
    """Departments with a current signal in the direction of strain, worst first."""
    scope = policy.scope_for(principal)
    if scope.organisation_only:
        raise Forbidden("Hotspots name departments: your role sees organisation-wide figures.")
    view = _chart_view(session, principal, end=end, weeks=None, department_id=None)
    baseline = get_settings().insights.baseline_weeks
    items = []
    for spec, rows in zip(view.specs, view.rows, strict=True):
        if spec.scope is not RowScope.department or spec.department_id is None:
            continue
        reasons: list[tuple[float, HotspotReason]] = []
        for series in charts.series_of(rows, view.questions, baseline):
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
                            week_start=view.weeks[signal.indices[-1]],
                            description=charts.describe(series, signal, view.weeks),
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
    return Hotspots(last_week=view.weeks[-1], items=items)


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


# --- the periodic job ----------------------------------------------------------------------


def last_closed_week(session: Session) -> date:
    """The latest week that has closed (released by the jobs, or by the first look)."""
    return release.last_closed_week(session)


def release_due_weeks(session: Session) -> int:
    """Release every closed week that a default view shows (the control charts' window, at
    least a quarter) and that has no release yet, so that no look has to compute one."""
    weeks = max(DEFAULT_WEEKS, get_settings().insights.window_weeks)
    return release.release_due_weeks(session, weeks=weeks)
