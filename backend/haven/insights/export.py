"""The insights tables as CSV rows: the same suppressed figures, "suppressed" spelled out
(never an empty cell or a zero), an empty cell where there is no data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from haven.core.csvexport import Cell
from haven.insights.schemas import (
    DEBRIEF_FIELDS,
    DepartmentInsights,
    Figure,
    Hotspots,
    Metric,
    RowScope,
    Signals,
    Unit,
)
from haven.insights.spc import ChartKind, Rule
from haven.reports.schemas import Category, Harm, ReportKind

SUPPRESSED = "suppressed"
Table = tuple[list[str], list[list[Cell]]]


def _cell(figure: Figure) -> Cell:
    if figure["suppressed"]:
        return SUPPRESSED
    return figure["value"]


def departments_table(result: DepartmentInsights) -> Table:
    keys = [q.key for q in result.questions]
    header = [
        "scope",
        "department",
        "department_id",
        "week_start",
        "checkin_respondents",
        "high_stress_share",
        "stress_mean",
        *[f"{part}_{key}" for key in keys for part in ("mean", "share")],
        "reports",
        "harm_events",
        "reports_per_1000_patient_days",
        "harm_events_per_1000_patient_days",
        *[f"kind_{k.value}" for k in ReportKind],
        *[f"category_{c.value}" for c in Category],
        *[f"harm_{h.value}" for h in Harm],
        "shifts",
        "planned_staff",
        "actual_staff",
        "staffing_ratio",
        "patient_days",
        "patients_per_staff",
        "support_requests",
        "support_requesters",
        "support_first_contacts",
        "support_median_minutes_to_first_contact",
        "support_within_target",
        *DEBRIEF_FIELDS,
    ]
    rows: list[list[Cell]] = []
    for row in result.rows:
        checkins = row["checkins"]
        questions = {q["key"]: q for q in checkins["questions"]}
        per_question: list[Cell] = []
        for key in keys:
            q = questions.get(key)
            per_question += [_cell(q["mean"]), _cell(q["share"])] if q else [None, None]
        r = row["reports"]
        s = row["staffing"]
        department_id = row["department_id"]
        rows.append(
            [
                RowScope(row["scope"]).value,
                row["department_name"],
                str(department_id) if department_id else None,
                row["week_start"].isoformat(),
                _cell(checkins["respondents"]),
                _cell(checkins["high_stress_share"]),
                _cell(checkins["stress_mean"]),
                *per_question,
                _cell(r["total"]),
                _cell(r["harm_events"]),
                _cell(r["per_1000_patient_days"]),
                _cell(r["harm_events_per_1000_patient_days"]),
                *[_cell(r["by_kind"][k]) for k in ReportKind],
                *[_cell(r["by_category"][c]) for c in Category],
                *[_cell(r["by_harm"][h]) for h in Harm],
                s["shifts"],
                s["planned_staff"],
                s["actual_staff"],
                s["staffing_ratio"],
                s["patient_days"],
                s["patients_per_staff"],
                _cell(row["support"]["requests"]),
                _cell(row["support"]["requesters"]),
                _cell(row["support"]["first_contacts"]),
                _cell(row["support"]["median_minutes_to_first_contact"]),
                _cell(row["support"]["within_target"]),
                *[cast(int, row["debriefs"].get(name)) for name in DEBRIEF_FIELDS],
            ]
        )
    return header, rows


def signals_table(result: Signals) -> Table:
    header = [
        "scope",
        "department",
        "department_id",
        "metric",
        "question_key",
        "chart",
        "unit",
        "week_start",
        "value",
        "centre",
        "lcl",
        "ucl",
        "flags",
    ]
    rows: list[list[Cell]] = []
    for chart in result.charts:
        department_id = chart["department_id"]
        for point in chart["points"]:
            rows.append(
                [
                    RowScope(chart["scope"]).value,
                    chart["department_name"],
                    str(department_id) if department_id else None,
                    Metric(chart["metric"]).value,
                    chart["question_key"],
                    ChartKind(chart["chart"]).value,
                    Unit(chart["unit"]).value,
                    point["week_start"].isoformat(),
                    SUPPRESSED if point["suppressed"] else point["value"],
                    chart["centre"],
                    point["lcl"],
                    point["ucl"],
                    " ".join(Rule(flag).value for flag in point["flags"]),
                ]
            )
    return header, rows


def hotspots_table(result: Hotspots) -> Table:
    header = ["department", "department_id", "severity", "metric", "rule", "week_start", "reason"]
    rows: list[list[Cell]] = []
    for hotspot in result.items:
        for reason in hotspot.reasons:
            rows.append(
                [
                    hotspot.department_name,
                    str(hotspot.department_id),
                    hotspot.severity,
                    reason.metric.value,
                    reason.rule.value,
                    reason.week_start.isoformat(),
                    reason.description,
                ]
            )
    return header, rows


def filename(kind: str, weeks: Sequence[object]) -> str:
    return f"haven-{kind}-{weeks[0]}-to-{weeks[-1]}.csv" if weeks else f"haven-{kind}.csv"
