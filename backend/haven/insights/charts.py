"""Control charts and their signals, drawn from released rows only.

A chart's points are the released figures of its row, week by week; a hidden figure is a
missing point, and centre lines and limits come from the points shown: a chart publishes
nothing that the table does not (the adversary tests fetch both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from haven.checkins.schemas import QuestionType
from haven.insights import spc
from haven.insights.schemas import Metric, QuestionInfo, Unit
from haven.reports.schemas import Harm

JSON = dict[str, Any]
STRESS_KEY = "stress"
_HARM_KEYS = tuple(h.value for h in Harm)


@dataclass(frozen=True)
class Series:
    metric: Metric
    question: QuestionInfo | None
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


def describe(series: Series, signal: spc.Signal, weeks: Sequence[date]) -> str:
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


def _question(row: JSON, key: str) -> JSON | None:
    for q in row["checkins"]["questions"]:
        if q["key"] == key:
            return q  # type: ignore[no-any-return]
    return None


def series_of(
    rows: Sequence[JSON], questions: Sequence[QuestionInfo], baseline: int
) -> list[Series]:
    """Every chart of one row (a department or the organisation), from its weekly rows."""
    found: list[Series] = []
    for q in questions:
        if q.type is not QuestionType.scale_1_5:
            continue
        figures = [_question(row, q.key) for row in rows]
        hidden = tuple(f is not None and f["answered"]["suppressed"] for f in figures)
        if q.key == STRESS_KEY:
            samples: list[tuple[int, int] | None] = []
            for f in figures:
                answered = f["answered"]["value"] if f else None
                share = f["share"]["value"] if f else None
                if not answered or share is None:
                    samples.append(None)
                else:
                    samples.append((round(share * answered), int(answered)))
            found.append(
                Series(
                    Metric.high_stress_share,
                    q,
                    "Share of staff reporting high stress (4-5)",
                    Unit.share,
                    spc.Direction.up,
                    spc.p_chart(samples, baseline=baseline),
                    hidden,
                )
            )
        means = [f["mean"]["value"] if f else None for f in figures]
        adverse = (
            None
            if q.higher_is_better is None
            else spc.Direction.down
            if q.higher_is_better
            else spc.Direction.up
        )
        found.append(
            Series(
                Metric.score_mean,
                q,
                f"Mean answer to “{q.text}”",
                Unit.score,
                adverse,
                spc.xmr_chart(means, baseline=baseline),
                hidden,
            )
        )
    days = [row["staffing"]["patient_days"] for row in rows]
    rated = all(
        d is not None
        and (
            row["reports"]["per_1000_patient_days"]["value"] is not None
            or row["reports"]["total"]["suppressed"]
            or not row["reports"]["total"]["value"]
        )
        for d, row in zip(days, rows, strict=True)
    )
    for metric, name, noun in (
        (Metric.report_rate, "total", "Reports"),
        (Metric.harm_rate, "harm_events", "Harm events"),
    ):
        counts: list[JSON] = [row["reports"][name] for row in rows]
        hidden = tuple(bool(f["suppressed"]) for f in counts)
        samples_u: list[tuple[float, float] | None] = []
        for f, d in zip(counts, days, strict=True):
            if f["suppressed"] or f["value"] is None:
                samples_u.append(None)
            elif rated and d:
                samples_u.append((float(f["value"]), d / 1000))
            else:
                samples_u.append((float(f["value"]), 1.0))
        unit = Unit.per_1000_patient_days if rated else Unit.per_week
        label = f"{noun} per 1,000 patient-days" if rated else f"{noun} per week"
        found.append(
            Series(
                metric,
                None,
                label,
                unit,
                spc.Direction.up,
                spc.u_chart(samples_u, baseline=baseline),
                hidden,
            )
        )
    return found


def signal_read(series: Series, signal: spc.Signal, weeks: Sequence[date]) -> JSON:
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


def chart_read(head: JSON, series: Series, weeks: Sequence[date]) -> JSON:
    return {
        **head,
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
        "signals": [signal_read(series, s, weeks) for s in series.chart.signals],
    }
