"""What a release publishes: one week's figures per department and for the organisation,
hidden figures left out (``{"value": null, "suppressed": true}``), as the JSON stored in the
release and cut into every view of the week. See ``release``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from haven.checkins import service as checkins_service
from haven.checkins.schemas import QuestionType
from haven.insights.protection import CHECKINS, ORG, REPORTS, SUPPORT, Cell
from haven.insights.schemas import DEBRIEF_FIELDS, RowScope
from haven.insights.week import HARM_EVENTS_PART, PART, REPORT_PARTS, TOTAL, Collected
from haven.reports.schemas import Category, Harm, ReportKind

FORMAT = 1
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


def publish(c: Collected, hidden: set[Cell]) -> JSON:
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


def _checkin_block(c: Collected, d: int, members: Sequence[int], hidden: set[Cell]) -> JSON:
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


def _patient_days(c: Collected, members: Sequence[int]) -> float | None:
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


def _report_block(c: Collected, d: int, members: Sequence[int], hidden: set[Cell]) -> JSON:
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


def _staffing_block(c: Collected, members: Sequence[int]) -> JSON:
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


def _debrief_block(c: Collected, members: Sequence[int]) -> JSON:
    found = [c.debriefs[m] for m in members if m in c.debriefs]
    return {name: sum(getattr(b, name) for b in found) for name in DEBRIEF_FIELDS}


def _support_block(c: Collected, d: int, members: Sequence[int], hidden: set[Cell]) -> JSON:
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
