"""The insider the insights must withstand, as a test harness.

It sees only what the API gives a role: it fetches every insights view it may (the
department table over several windows, the control charts, the hotspots, the CSV exports),
as often as it likes, and keeps every figure it was ever shown. Then it does what a
motivated analyst would: writes down every relation it knows holds between the figures
(the organisation is the sum of the departments, a department's reports are the sum of their
kinds, of their categories and of their harms, harm events are the harmful harms, a mean
times the people who answered is a sum of answers between 1 and 5...), adds what it knows
of its own records, and asks an integer-programming solver (HiGHS through
``scipy.optimize.milp``) for the smallest and the largest value every hidden figure can
take. A hidden figure whose smallest and largest values agree is *recovered*.

It is written from the API's documented meaning only, never from Haven's suppression code:
it is the independent check that the suppression holds.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from scipy.optimize import Bounds, LinearConstraint, milp

URL = "/api/v1/insights"
HARMFUL = ("mild", "moderate", "severe", "death")
BIG = 10**6

# A figure is (week, row, name). Rows: a department id, "org", or "none" (no department).
Figure = tuple[str, str, str]


@dataclass
class Knowledge:
    """Everything one adversary was ever shown."""

    shown: dict[Figure, float] = field(default_factory=dict)
    hidden: set[Figure] = field(default_factory=set)
    changed: dict[Figure, set[float]] = field(default_factory=dict)
    rows: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    questions: dict[str, str] = field(default_factory=dict)  # key -> type
    patient_days: dict[tuple[str, str], float] = field(default_factory=dict)
    sees_every_department: bool = False
    looks: int = 0
    # One round of looks at one time; a figure that changed between rounds is kept per round.
    round: int = 0
    rounds: dict[int, tuple[dict[Figure, float], set[Figure]]] = field(default_factory=dict)

    def see(self, figure: Figure, value: float | None, suppressed: bool) -> None:
        shown, hidden = self.rounds.setdefault(self.round, ({}, set()))
        if suppressed:
            self.hidden.add(figure)
            hidden.add(figure)
            return
        if value is None:
            return
        earlier = self.shown.get(figure)
        if earlier is not None and not math.isclose(earlier, value, rel_tol=1e-9, abs_tol=1e-9):
            self.changed.setdefault(figure, {earlier}).add(value)
        self.shown[figure] = value
        shown[figure] = value

    # --- reading what the API returns ------------------------------------------------------

    def read_table(self, body: Mapping[str, Any]) -> None:
        self.looks += 1
        for q in body["questions"]:
            if q["type"] in ("scale_1_5", "yes_no"):
                self.questions[q["key"]] = q["type"]
        for row in body["rows"]:
            week = row["week_start"]
            key = _row_key(row)
            if row["scope"] == "unassigned":
                self.sees_every_department = True
            self.rows[week].add(key)
            c = row["checkins"]
            self.see((week, key, "R"), c["respondents"]["value"], c["respondents"]["suppressed"])
            for q in c["questions"]:
                for name in ("answered", "mean", "share"):
                    fig = q[name]
                    self.see((week, key, f"{name}:{q['key']}"), fig["value"], fig["suppressed"])
            r = row["reports"]
            self.see((week, key, "rep:total"), r["total"]["value"], r["total"]["suppressed"])
            he = r["harm_events"]
            self.see((week, key, "rep:harm_events"), he["value"], he["suppressed"])
            for group, prefix in _BREAKDOWNS:
                for value, fig in r[group].items():
                    self.see((week, key, f"rep:{prefix}:{value}"), fig["value"], fig["suppressed"])
            days = row["staffing"]["patient_days"]
            if days:
                self.patient_days[(week, key)] = days
                for rate, count in (
                    ("per_1000_patient_days", "rep:total"),
                    ("harm_events_per_1000_patient_days", "rep:harm_events"),
                ):
                    fig = r[rate]
                    if not fig["suppressed"] and fig["value"] is not None:
                        self.see((week, key, count), round(fig["value"] * days / 1000), False)
            s = row["support"]
            for name in ("requests", "requesters", "first_contacts", "within_target"):
                self.see((week, key, f"sup:{name}"), s[name]["value"], s[name]["suppressed"])
            fig = s["share_within_target"]
            self.see((week, key, "sup:share_within"), fig["value"], fig["suppressed"])
            fig = s["median_minutes_to_first_contact"]
            self.see((week, key, "sup:median"), fig["value"], fig["suppressed"])

    def read_csv(self, text: str) -> None:
        """The CSV export: every column that carries a figure of the table."""
        self.looks += 1
        for row in csv.DictReader(io.StringIO(text)):
            week = row.get("week_start", "")
            department = row.get("department_id") or ""
            scope = row.get("scope", "")
            key = "org" if scope == "organisation" else department or "none"
            for column, value in row.items():
                if column in ("week_start", "department_id", "scope", "department_name"):
                    continue
                name = _csv_figure(column)
                if name is None:
                    continue
                if value == "suppressed":
                    self.see((week, key, name), None, True)
                elif value not in ("", None):
                    try:
                        self.see((week, key, name), float(value), False)
                    except ValueError:
                        continue

    def read_charts(self, body: Mapping[str, Any]) -> None:
        """Control-chart points repeat the table's figures week by week (or should)."""
        self.looks += 1
        for chart in body["charts"]:
            key = "org" if chart["scope"] == "organisation" else chart["department_id"]
            metric = chart["metric"]
            for point in chart["points"]:
                week = point["week_start"]
                if metric == "high_stress_share":
                    name = "share:stress"
                elif metric == "score_mean":
                    name = f"mean:{chart['question_key']}"
                else:
                    if chart["unit"] != "per_week":
                        continue  # a rate: the table's count and patient-days already say it
                    name = "rep:total" if metric == "report_rate" else "rep:harm_events"
                self.see((week, key, name), point["value"], point["suppressed"])


_BREAKDOWNS = (("by_kind", "kind"), ("by_category", "category"), ("by_harm", "harm"))
_CSV_FIXED = {
    "checkin_respondents": "R",
    "high_stress_share": "share:stress",
    "stress_mean": "mean:stress",
    "reports": "rep:total",
    "harm_events": "rep:harm_events",
    "support_requests": "sup:requests",
    "support_requesters": "sup:requesters",
    "support_first_contacts": "sup:first_contacts",
    "support_within_target": "sup:within_target",
    "support_median_minutes_to_first_contact": "sup:median",
}


def _csv_figure(column: str) -> str | None:
    if column in _CSV_FIXED:
        return _CSV_FIXED[column]
    if "per_1000" in column:
        return None  # a rate: the count and the patient-days say it already
    for prefix, name in (
        ("mean_", "mean:"),
        ("share_", "share:"),
        ("kind_", "rep:kind:"),
        ("category_", "rep:category:"),
        ("harm_", "rep:harm:"),
    ):
        if column.startswith(prefix) and column != "harm_events":
            return name + column[len(prefix) :]
    return None


def _row_key(row: Mapping[str, Any]) -> str:
    if row["scope"] == "organisation":
        return "org"
    return row["department_id"] or "none"


def look(
    client: TestClient,
    headers: Mapping[str, str],
    knowledge: Knowledge,
    *,
    windows: Iterable[Mapping[str, str]] = ({},),
    charts: bool = True,
    hotspots: bool = True,
) -> None:
    """One look at every insights view the role may fetch."""
    for params in windows:
        response = client.get(f"{URL}/departments", params=dict(params), headers=dict(headers))
        if response.status_code == 200:
            knowledge.read_table(response.json())
        response = client.get(
            f"{URL}/departments", params={**params, "format": "csv"}, headers=dict(headers)
        )
        if response.status_code == 200:
            knowledge.read_csv(response.text)
    if charts:
        response = client.get(f"{URL}/signals", headers=dict(headers))
        if response.status_code == 200:
            knowledge.read_charts(response.json())
    if hotspots:
        client.get(f"{URL}/hotspots", headers=dict(headers))


# --- the solver --------------------------------------------------------------------------


class _Model:
    """Integer variables with bounds, and linear constraints, for one week."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str], int] = {}
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[dict[int, float]] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def var(self, row: str, name: str, lower: float = 0, upper: float = BIG) -> int:
        key = (row, name)
        if key not in self.index:
            self.index[key] = len(self.lower)
            self.lower.append(lower)
            self.upper.append(upper)
        return self.index[key]

    def at_least(self, i: int, value: float) -> None:
        self.lower[i] = max(self.lower[i], value)

    def fix(self, i: int, value: float) -> None:
        self.lower[i] = max(self.lower[i], value)
        self.upper[i] = min(self.upper[i], value)

    def constrain(self, terms: Mapping[int, float], lo: float, hi: float) -> None:
        self.rows.append(dict(terms))
        self.lo.append(lo)
        self.hi.append(hi)

    def solve(self, objective: Mapping[int, float], sense: int) -> tuple[float, np.ndarray] | None:
        n = len(self.lower)
        c = np.zeros(n)
        for i, w in objective.items():
            c[i] = sense * w
        a = np.zeros((len(self.rows), n))
        for r, terms in enumerate(self.rows):
            for i, w in terms.items():
                a[r, i] = w
        constraints = [LinearConstraint(a, self.lo, self.hi)] if self.rows else []
        result = milp(
            c,
            integrality=np.ones(n),
            bounds=Bounds(self.lower, self.upper),
            constraints=constraints,
            options={"presolve": True},
        )
        if result.status != 0:
            return None
        return sense * float(result.fun), result.x


@dataclass(frozen=True)
class Recovery:
    figure: Figure
    value: float


def _build_week(
    k: Knowledge,
    week: str,
    own: Mapping[Figure, float],
    shown: Mapping[Figure, float],
    hidden_figures: set[Figure],
) -> tuple[_Model, list[str]]:
    m = _Model()
    rows = sorted(r for r in k.rows.get(week, set()) if r != "org")
    members = list(rows)
    if not k.sees_every_department:
        members.append("rest")  # departments this role cannot see, added up
    everything = ["org", *members]
    questions = sorted(k.questions.items())
    report_parts = sorted(
        {n for (w, _, n) in [*shown, *hidden_figures] if w == week and n.startswith("rep:")}
    )
    kinds = [p for p in report_parts if p.startswith("rep:kind:")]
    categories = [p for p in report_parts if p.startswith("rep:category:")]
    harms = [p for p in report_parts if p.startswith("rep:harm:")]
    support = ("sup:requests", "sup:requesters", "sup:first_contacts", "sup:within_target")

    for row in everything:
        r = m.var(row, "R")
        for q, qtype in questions:
            a, t, h = m.var(row, f"A:{q}"), m.var(row, f"T:{q}"), m.var(row, f"H:{q}")
            m.constrain({a: 1, r: -1}, 0, 0)  # every scale and yes/no question is required
            m.constrain({h: 1, a: -1}, -np.inf, 0)
            if qtype == "yes_no":
                m.constrain({t: 1, h: -1}, 0, 0)
            else:  # 4-5 is high: a + 3h <= t <= 3a + 2h
                m.constrain({t: 1, a: -1, h: -3}, 0, np.inf)
                m.constrain({t: 1, a: -3, h: -2}, -np.inf, 0)
        parts = {p: m.var(row, p) for p in report_parts}
        if "rep:total" in parts:
            for group in (kinds, categories, harms):
                if group:
                    m.constrain({parts["rep:total"]: 1, **{parts[g]: -1 for g in group}}, 0, 0)
            if "rep:harm_events" in parts:
                harmful = [parts[f"rep:harm:{h}"] for h in HARMFUL if f"rep:harm:{h}" in parts]
                m.constrain({parts["rep:harm_events"]: 1, **{i: -1 for i in harmful}}, 0, 0)
        q_, p_, f_, w_ = (m.var(row, s) for s in support)
        m.constrain({p_: 1, q_: -1}, -np.inf, 0)
        m.constrain({f_: 1, q_: -1}, -np.inf, 0)
        m.constrain({w_: 1, f_: -1}, -np.inf, 0)
        m.constrain({q_: 1, p_: -BIG}, -np.inf, 0)  # someone asked whenever there is a request
    # the organisation is the sum of its parts
    names = {name for (_, name) in m.index}
    for name in names:
        m.constrain(
            {m.index[("org", name)]: 1, **{m.index[(row, name)]: -1 for row in members}}, 0, 0
        )

    # what was shown, what was hidden, what the adversary knows of its own records
    targets: list[str] = []
    for row in everything:
        for (w, r_, name), value in shown.items():
            if w != week or r_ != row:
                continue
            _observe(m, row, name, value)
    for w, row, name in sorted(hidden_figures):
        if w != week or row not in everything:
            continue
        if name in ("R", "rep:total", "sup:requests", "sup:requesters") or (
            name.startswith("rep:") and name != "rep:harm_events"
        ):
            key = "R" if name == "R" else name
            if (row, key) in m.index:
                m.at_least(m.index[(row, key)], 1)
        if name.startswith("answered:"):
            m.at_least(m.index[(row, "R")], 1)
        targets.append(f"{row}|{name}")
    for (w, row, name), value in own.items():
        if w == week and (row, name) in m.index:
            m.at_least(m.index[(row, name)], value)
    return m, targets


def _observe(m: _Model, row: str, name: str, value: float) -> None:
    if name == "R":
        m.fix(m.index[(row, "R")], value)
    elif name.startswith("answered:"):
        m.fix(m.index[(row, f"A:{name.split(':', 1)[1]}")], value)
    elif name.startswith("mean:") or name.startswith("share:"):
        kind, q = name.split(":", 1)
        if (row, f"A:{q}") not in m.index:
            return
        num = m.index[(row, ("T:" if kind == "mean" else "H:") + q)]
        m.constrain({num: 1, m.index[(row, f"A:{q}")]: -value}, -1e-6, 1e-6)
    elif name == "sup:share_within":
        m.constrain(
            {m.index[(row, "sup:within_target")]: 1, m.index[(row, "sup:requests")]: -value},
            -1e-6,
            1e-6,
        )
    elif name == "sup:median":
        return
    elif (row, name) in m.index:
        m.fix(m.index[(row, name)], value)


def _target(m: _Model, target: str) -> tuple[dict[int, float], dict[int, float]] | None:
    """(numerator, denominator) terms of a hidden figure; no denominator for a count."""
    row, name = target.split("|", 1)
    if name == "R":
        return {m.index[(row, "R")]: 1}, {}
    if name.startswith("answered:"):
        return {m.index[(row, f"A:{name.split(':', 1)[1]}")]: 1}, {}
    if name.startswith("mean:") or name.startswith("share:"):
        kind, q = name.split(":", 1)
        num = m.index[(row, ("T:" if kind == "mean" else "H:") + q)]
        return {num: 1}, {m.index[(row, f"A:{q}")]: 1}
    if name == "sup:share_within":
        return {m.index[(row, "sup:within_target")]: 1}, {m.index[(row, "sup:requests")]: 1}
    if name == "sup:median":
        return None  # medians do not add up: nothing to solve
    if (row, name) in m.index:
        return {m.index[(row, name)]: 1}, {}
    return None


def _dot(x: np.ndarray, terms: Mapping[int, float]) -> float:
    return float(sum(x[i] * w for i, w in terms.items()))


def _value(x: np.ndarray, num: Mapping[int, float], den: Mapping[int, float]) -> float:
    if not den:
        return _dot(x, num)
    d = _dot(x, den)
    return _dot(x, num) / d if d > 0.5 else float("nan")


def recover(knowledge: Knowledge, *, own: Mapping[Figure, float] | None = None) -> list[Recovery]:
    """Every hidden figure the adversary can pin down exactly, week by week: from everything
    it saw at once when that is consistent (figures never changed), else round by round."""
    found: set[Recovery] = set()
    for week in sorted(knowledge.rows):
        found |= _recover_week(knowledge, week, own or {}, knowledge.shown, knowledge.hidden)
        if any(w == week for (w, _, _) in knowledge.changed):
            for shown, hidden in knowledge.rounds.values():
                found |= _recover_week(knowledge, week, own or {}, shown, hidden)
    return sorted(found, key=lambda r: r.figure)


def _recover_week(
    knowledge: Knowledge,
    week: str,
    own: Mapping[Figure, float],
    shown: Mapping[Figure, float],
    hidden_figures: set[Figure],
) -> set[Recovery]:
    found: set[Recovery] = set()
    hidden_now = {f for f in hidden_figures if f not in shown}
    model, targets = _build_week(knowledge, week, own, shown, hidden_now)
    if not targets:
        return found
    base = model.solve({}, 1)
    if base is None:
        if any(w == week for (w, _, _) in knowledge.changed):
            return found  # figures changed between looks: solved round by round instead
        raise AssertionError(f"the adversary's model of {week} is infeasible: a modelling error")
    _, x0 = base
    terms = {t: found_terms for t in targets if (found_terms := _target(model, t)) is not None}
    # A few solutions pulled in random directions settle most figures at once: one that
    # takes two values is not pinned. Only the rest are solved for their least and most.
    solutions = [x0]
    rng = np.random.default_rng(7)
    for _ in range(6):
        weights = {i: float(w) for i, w in enumerate(rng.uniform(-1, 1, len(model.lower)))}
        found_solution = model.solve(weights, 1)
        if found_solution is not None:
            solutions.append(found_solution[1])
    for target, (num, den) in terms.items():
        values = {
            round(_value(x, num, den), 9)
            for x in solutions
            if _value(x, num, den) == _value(x, num, den)
        }
        if len(values) > 1:
            continue
        if den:
            d0, n0 = _dot(x0, den), _dot(x0, num)
            if d0 < 0.5:
                continue
            objective = {i: d0 * w for i, w in num.items()}
            for i, w in den.items():
                objective[i] = objective.get(i, 0) - n0 * w
            value = n0 / d0
        else:
            objective = num
            value = _dot(x0, num)
        low = model.solve(objective, 1)
        high = model.solve(objective, -1)
        assert low is not None and high is not None
        if high[0] - low[0] < 0.5:
            row, name = target.split("|", 1)
            found.add(Recovery((week, row, name), value))
    return found
