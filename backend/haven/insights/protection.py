"""The audit every release passes before it is published: can any hidden figure be worked out?

Small-cell suppression (``suppression``) hides cells line by line. An insider combines
every line at once, knows the values a figure can take (a count is a whole number, a mean
answer lies between 1 and 5, the people answering yes number between none and all of them)
and knows their own records. So before a week is released this module writes down
everything a reader of the whole release knows (every relation between its figures, every
shown value, that a hidden count is at least 1) and asks an integer-programming solver
(HiGHS, through ``scipy.optimize.milp``) whether every hidden figure could take another
value. One that cannot is *exposed*, and the release hides more (see ``release``) until
none is.

The reader is considered twice over:

* as a reader who knows only the release;
* as each single insider who knows more than that about a hidden cell: a person whose own
  check-in answer is in it (knowing one answer of a cell tells whether it holds a high
  answer, a low one, and bounds its sum); a reporter who filed two or more of a hidden
  cell's reports, or filed some when anonymous reports share the cell (an insider may have
  filed every anonymous report too: that is assumed); a person who asked for support two
  or more times, or for colleagues. A figure pinned only at what that insider contributed
  themself tells them nothing about anyone else and is no exposure.

Certificates, not brute force: the true figures are one solution. For every hidden figure
the solver finds the nearest other solution in which the figure is different (one above,
one below, when they exist); none means the figure is pinned. An insider's knowledge is
a few more constraints: when one of those alternative solutions also satisfies them, the
insider cannot pin the figure either, and only the rare remaining case is solved again
with the insider's constraints. The three families (check-ins, reports, support) share no
figure, and within a family only hidden figures connected by a published sum are solved
together (shown figures are constants).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from haven.checkins.schemas import QuestionType

ORG = -1
Cell = tuple[int, int, int]  # (family, row, figure); rows are department indices, ORG the total
CHECKINS, REPORTS, SUPPORT = 0, 1, 2
_BIG = 1e9
_EPS = 1e-6


@dataclass
class CheckinRow:
    respondents: int
    questions: list[tuple[int, int, int]]  # (answered, total, high), aligned with the table's


@dataclass
class SupportRow:
    requests: int
    requesters: int
    first_contacts: int
    within_target: int


# What one creator of support requests contributed to a row: (requests, requesters, first
# contacts, within target, requests without contact, contacts outside the target).
SupportShare = tuple[int, int, int, int, int, int]


@dataclass
class Week:
    """One week's true figures, per department index (the ORG row is derived)."""

    questions: list[QuestionType]
    checkins: dict[int, CheckinRow] = field(default_factory=dict)
    # the distinct answers given to a question in a row: what one respondent may know
    answer_values: dict[tuple[int, int], frozenset[int]] = field(default_factory=dict)
    reports: dict[int, tuple[int, ...]] = field(default_factory=dict)
    report_lines: Sequence[tuple[int, Sequence[int]]] = ()
    # per insider: what they know of each (row, report figure), ORG included
    report_insiders: list[dict[tuple[int, int], int]] = field(default_factory=list)
    support: dict[int, SupportRow] = field(default_factory=dict)
    # per insider: what they know of each row's support figures, ORG included
    support_insiders: list[dict[int, SupportShare]] = field(default_factory=list)


# --- the model ---------------------------------------------------------------------------

Row = tuple[dict[int, float], float, float]


class _Model:
    def __init__(self) -> None:
        self.index: dict[tuple[int, str], int] = {}
        self.names: list[tuple[int, str]] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[Row] = []
        self.truth: list[float] = []

    def var(self, row: int, name: str, truth: float) -> int:
        key = (row, name)
        if key not in self.index:
            self.index[key] = len(self.lower)
            self.names.append(key)
            self.lower.append(0.0)
            self.upper.append(_BIG)
            self.truth.append(float(truth))
        return self.index[key]

    def at_least(self, i: int, value: float) -> None:
        self.lower[i] = max(self.lower[i], value)

    def fix(self, i: int) -> None:
        self.lower[i] = self.upper[i] = self.truth[i]

    def add(self, terms: Mapping[int, float], lo: float, hi: float) -> None:
        self.rows.append((dict(terms), lo, hi))


@dataclass
class _Insider:
    """What one insider knows beyond the release: tighter bounds and constraints, and the
    records they contributed themself (a figure pinned at no more than that tells nothing)."""

    at_least: dict[int, float] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    own: dict[int, float] = field(default_factory=dict)
    whole_rows: set[tuple[int, int]] = field(default_factory=set)  # (num var, den var) known

    def admits(self, x: np.ndarray) -> bool:
        if any(x[i] < lo - _EPS for i, lo in self.at_least.items()):
            return False
        for terms, lo, hi in self.rows:
            value = sum(x[i] * w for i, w in terms.items())
            if value < lo - _EPS or value > hi + _EPS:
                return False
        return True

    def touches(self, ids: set[int]) -> bool:
        return any(i in ids for i in self.at_least) or any(
            i in ids for terms, _, _ in self.rows for i in terms
        )


@dataclass(frozen=True)
class _Target:
    cell: Cell
    num: dict[int, float]
    den: dict[int, float]


def _dot(x: np.ndarray | Sequence[float], terms: Mapping[int, float]) -> float:
    return float(sum(x[i] * w for i, w in terms.items()))


class _Problem:
    """One connected part of a family: its free figures, constraints and hidden targets."""

    def __init__(self, model: _Model, ids: list[int], rows: list[Row]) -> None:
        self.ids = ids
        self.local = {i: j for j, i in enumerate(ids)}
        self.model = model
        self.lower = np.array([model.lower[i] for i in ids])
        self.upper = np.array([model.upper[i] for i in ids])
        self.truth = np.array([model.truth[i] for i in ids])
        # The part's own constraints, in its local variables (shown figures folded into
        # the bounds), built once: every solve adds only its few extra rows.
        self._data: list[float] = []
        self._r: list[int] = []
        self._c: list[int] = []
        self._lo: list[float] = []
        self._hi: list[float] = []
        for terms, low, high in rows:
            self._add(self._data, self._r, self._c, self._lo, self._hi, terms, low, high)

    def _add(
        self,
        data: list[float],
        r_idx: list[int],
        c_idx: list[int],
        lo: list[float],
        hi: list[float],
        terms: Mapping[int, float],
        low: float,
        high: float,
    ) -> None:
        local_terms: dict[int, float] = {}
        constant = 0.0
        for i, w in terms.items():
            j = self.local.get(i)
            if j is None:
                constant += w * self.model.lower[i]
            else:
                local_terms[j] = local_terms.get(j, 0.0) + w
        if not local_terms:
            return
        r = len(lo)
        for j, w in local_terms.items():
            r_idx.append(r)
            c_idx.append(j)
            data.append(w)
        lo.append(low - constant)
        hi.append(high - constant)

    def full(self, x: np.ndarray) -> np.ndarray:
        """A solution of this part as values of the whole model (the rest at its truth)."""
        out = np.array(self.model.truth, dtype=float)
        out[self.ids] = x
        return out

    def solve(
        self,
        objective: Mapping[int, float],
        *,
        extra_lower: Mapping[int, float] | None = None,
        extra_rows: Sequence[Row] = (),
        nearest: bool = False,
    ) -> np.ndarray | None:
        """Minimise an objective (over the whole model's variable ids); with ``nearest``, the
        solution closest to the truth (L1) among those satisfying the extra rows."""
        n = len(self.ids)
        lower = self.lower.copy()
        for i, value in (extra_lower or {}).items():
            if i in self.local:
                lower[self.local[i]] = max(lower[self.local[i]], value)
        size = 2 * n if nearest else n
        data, r_idx, c_idx = list(self._data), list(self._r), list(self._c)
        lo, hi = list(self._lo), list(self._hi)
        for terms, low, high in extra_rows:
            self._add(data, r_idx, c_idx, lo, hi, terms, low, high)
        c = np.zeros(size)
        for i, w in objective.items():
            if i in self.local:
                c[self.local[i]] += w
        bounds_lo = list(lower)
        bounds_hi = list(self.upper)
        if nearest:
            # t_j >= |x_j - truth_j|; minimise the sum of t
            base = len(lo)
            for j in range(n):
                r_idx += [base + 2 * j, base + 2 * j, base + 2 * j + 1, base + 2 * j + 1]
                c_idx += [j, n + j, j, n + j]
                data += [1.0, -1.0, 1.0, 1.0]
                lo += [-np.inf, float(self.truth[j])]
                hi += [float(self.truth[j]), np.inf]
            c[n:] = 1.0
            bounds_lo += [0.0] * n
            bounds_hi += [_BIG] * n
        constraints = (
            [LinearConstraint(coo_array((data, (r_idx, c_idx)), shape=(len(lo), size)), lo, hi)]
            if lo
            else []
        )
        result = milp(
            c,
            integrality=np.ones(size),
            bounds=Bounds(bounds_lo, bounds_hi),
            constraints=constraints,
        )
        if result.status == 2:  # infeasible
            return None
        if result.status != 0 or result.x is None:
            raise RuntimeError(f"the release audit could not be solved: {result.message}")
        return np.asarray(result.x[:n])


def _problems(model: _Model, targets: Sequence[_Target]) -> list[tuple[_Problem, list[_Target]]]:
    """The family split into parts that no constraint connects; shown figures are constants."""
    free = [i for i in range(len(model.lower)) if model.lower[i] < model.upper[i]]
    parent = {i: i for i in free}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(ids: Iterable[int]) -> None:
        ids = [i for i in ids if i in parent]
        for a in ids[1:]:
            ra, rb = root(ids[0]), root(a)
            if ra != rb:
                parent[rb] = ra

    for terms, _, _ in model.rows:
        join(terms)
    for target in targets:
        join([*target.num, *target.den])
    groups: dict[int, list[int]] = {}
    for i in free:
        groups.setdefault(root(i), []).append(i)
    rows_of: dict[int, list[Row]] = {}
    for terms, lo, hi in model.rows:
        ids = [i for i in terms if i in parent]
        if ids:
            rows_of.setdefault(root(ids[0]), []).append((terms, lo, hi))
    targets_of: dict[int, list[_Target]] = {}
    for target in targets:
        ids = [i for i in (*target.num, *target.den) if i in parent]
        if ids:
            targets_of.setdefault(root(ids[0]), []).append(target)
    return [
        (_Problem(model, ids, rows_of.get(key, [])), targets_of[key])
        for key, ids in groups.items()
        if key in targets_of
    ]


def _objective(target: _Target, x0: np.ndarray) -> tuple[dict[int, float], float]:
    """A linear form that is zero exactly when the figure keeps its value at ``x0``, and its
    value at ``x0`` (counts: the count itself; ratios num/den: den0*num - num0*den)."""
    if not target.den:
        return dict(target.num), _dot(x0, target.num)
    d0, n0 = _dot(x0, target.den), _dot(x0, target.num)
    form = {i: d0 * w for i, w in target.num.items()}
    for i, w in target.den.items():
        form[i] = form.get(i, 0.0) - n0 * w
    return form, 0.0


def _differs(x: np.ndarray, target: _Target, form: Mapping[int, float], value: float) -> bool:
    return abs(_dot(x, form) - value) > 0.5


def _exposed_in(
    problem: _Problem, targets: Sequence[_Target], insiders: Sequence[_Insider]
) -> tuple[set[Cell], list[_Target]]:
    """The cells with an exposed figure, and the figures certified not to be."""
    truth = np.array(problem.model.truth)
    ids = set(problem.ids)
    relevant = [ins for ins in insiders if ins.touches(ids)]
    # Every insider's knowledge is true, so the truth satisfies all of it at once: a
    # solution that does too (and moves the figure) certifies the figure for every insider.
    merged_lower: dict[int, float] = {}
    merged_rows: list[Row] = []
    for insider in relevant:
        for i, value in insider.at_least.items():
            merged_lower[i] = max(merged_lower.get(i, 0.0), value)
        merged_rows.extend(insider.rows)
    for_everyone: list[np.ndarray] = []  # solutions every insider admits
    for_reader: list[np.ndarray] = []  # solutions of the release alone
    # A few solutions pulled in random directions settle many figures at once (a figure
    # that takes another value in one of them is not pinned, for anyone).
    if len(targets) > 2:
        rng = random.Random(len(problem.ids))  # noqa: S311 - directions, not secrets
        for _ in range(3):
            direction = {i: rng.uniform(-1.0, 1.0) for i in problem.ids}
            found = problem.solve(direction, extra_lower=merged_lower, extra_rows=merged_rows)
            if found is not None:
                for_everyone.append(problem.full(found))

    def moved(
        form: Mapping[int, float],
        value: float,
        lower: Mapping[int, float],
        rows: Sequence[Row],
    ) -> np.ndarray | None:
        for low, high in ((value + 1.0, np.inf), (-np.inf, value - 1.0)):
            found = problem.solve(
                {}, extra_lower=lower, extra_rows=[*rows, (dict(form), low, high)], nearest=True
            )
            if found is not None:
                return problem.full(found)
        return None

    exposed: set[Cell] = set()
    certified: list[_Target] = []
    too_strong: set[int] = set()  # rows where everyone's knowledge together pinned a figure
    for target in targets:
        if target.cell in exposed:
            continue
        if target.den and _dot(truth, target.den) < 0.5:
            certified.append(target)
            continue  # nobody answered: there is no figure to work out
        form, value = _objective(target, truth)
        if any(_differs(x, target, form, value) for x in for_everyone):
            certified.append(target)
            continue
        rows_of_target = {problem.model.names[i][0] for i in (*target.num, *target.den)}
        if relevant and not rows_of_target & too_strong:
            found = moved(form, value, merged_lower, merged_rows)
            if found is not None:
                for_everyone.append(found)
                certified.append(target)
                continue
            too_strong |= rows_of_target
        if not relevant:
            found = moved(form, value, {}, [])
            if found is None:
                exposed.add(target.cell)
            else:
                for_everyone.append(found)
                certified.append(target)
            continue
        # The release alone, then each insider whom no solution found so far satisfies.
        if not any(_differs(x, target, form, value) for x in for_reader):
            found = moved(form, value, {}, [])
            if found is None:
                exposed.add(target.cell)
                continue
            for_reader.append(found)
        for insider in relevant:
            if any(
                _differs(x, target, form, value) and insider.admits(x)
                for x in (*for_reader, *for_everyone)
            ):
                continue
            found = moved(form, value, insider.at_least, insider.rows)
            if found is not None:
                for_reader.append(found)
                continue
            if not target.den:
                (i,) = target.num
                if value <= insider.own.get(i, 0.0) + 0.5:
                    continue  # all of it is the insider's own
            elif (next(iter(target.num)), next(iter(target.den))) in insider.whole_rows:
                continue  # the insider is all of that row: it is their own answer
            exposed.add(target.cell)
            break
        if target.cell not in exposed:
            certified.append(target)
    return exposed, certified


TargetKey = tuple[Cell, tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]


def _key(model: _Model, target: _Target) -> TargetKey:
    return (
        target.cell,
        tuple(sorted(model.names[i] for i in target.num)),
        tuple(sorted(model.names[i] for i in target.den)),
    )


def _exposed(
    model: _Model,
    targets: Sequence[_Target],
    insiders: Sequence[_Insider],
    only: set[Cell] | None,
    certified: set[TargetKey] | None,
) -> set[Cell]:
    if only is not None:
        targets = [t for t in targets if t.cell in only]
    if certified is not None:
        targets = [t for t in targets if _key(model, t) not in certified]
    exposed: set[Cell] = set()
    for problem, wanted in _problems(model, targets):
        found, settled = _exposed_in(problem, wanted, insiders)
        exposed |= found
        if certified is not None:
            certified.update(_key(model, t) for t in settled)
    return exposed


# --- the three families ------------------------------------------------------------------


def _checkins(
    week: Week, hidden: set[Cell], only: set[Cell] | None, certified: set[TargetKey] | None
) -> set[Cell]:
    m = _Model()
    rows = sorted(week.checkins)
    if not rows:
        return set()
    nq = len(week.questions)
    org = CheckinRow(0, [(0, 0, 0)] * nq)
    for r in rows:
        c = week.checkins[r]
        org.respondents += c.respondents
        org.questions = [
            (a + a2, t + t2, h + h2)
            for (a, t, h), (a2, t2, h2) in zip(org.questions, c.questions, strict=True)
        ]
    table = {**{r: week.checkins[r] for r in rows}, ORG: org}
    for r, c in table.items():
        rv = m.var(r, "R", c.respondents)
        for qi, qtype in enumerate(week.questions):
            answered, total, high = c.questions[qi]
            a, t, h = (
                m.var(r, f"A{qi}", answered),
                m.var(r, f"T{qi}", total),
                m.var(r, f"H{qi}", high),
            )
            # every scale and yes/no question is required: a reader may assume it
            m.add({a: 1, rv: -1}, -np.inf if answered != c.respondents else 0, 0)
            m.add({h: 1, a: -1}, -np.inf, 0)
            if qtype is QuestionType.scale_1_5:  # 4-5 is high: a + 3h <= t <= 3a + 2h
                m.add({t: 1, a: -1, h: -3}, 0, np.inf)
                m.add({t: 1, a: -3, h: -2}, -np.inf, 0)
            else:
                m.add({t: 1, h: -1}, 0, 0)
    for name in {n for (_, n) in m.index}:
        m.add({m.index[(ORG, name)]: 1, **{m.index[(r, name)]: -1 for r in rows}}, 0, 0)

    targets: list[_Target] = []
    for r, c in table.items():
        block = (CHECKINS, r, -1)
        rv = m.index[(r, "R")]
        if block in hidden:
            m.at_least(rv, 1 if c.respondents else 0)
            targets.append(_Target(block, {rv: 1}, {}))
        else:
            m.fix(rv)
        for qi, qtype in enumerate(week.questions):
            cell = (CHECKINS, r, qi)
            a, t, h = (m.index[(r, f"{x}{qi}")] for x in "ATH")
            if block not in hidden and cell not in hidden:
                for i in (a, t, h):
                    m.fix(i)
                continue
            if c.questions[qi][0]:
                m.at_least(a, 1)
            if block in hidden or c.questions[qi][0] != c.respondents:
                # (when everyone answered the question, its count is the respondents, shown)
                targets.append(_Target(cell, {a: 1}, {}))
            targets.append(_Target(cell, {h: 1}, {a: 1}))
            if qtype is QuestionType.scale_1_5:
                targets.append(_Target(cell, {t: 1}, {a: 1}))

    # one insider per hidden row, question and answer given there: they know that answer
    insiders: list[_Insider] = []
    for r in rows:
        for qi, qtype in enumerate(week.questions):
            if (CHECKINS, r, -1) not in hidden and (CHECKINS, r, qi) not in hidden:
                continue
            a, t, h = (m.index[(r, f"{x}{qi}")] for x in "ATH")
            for v in sorted(week.answer_values.get((r, qi), ())):
                if qtype is QuestionType.scale_1_5:
                    high = v >= 4
                    above, below = (v - 4, 5 - v) if high else (v - 1, 3 - v)
                else:
                    high, above, below = bool(v), 0, 0
                insider = _Insider(own={h: float(high)})
                if high:
                    insider.at_least[h] = 1.0
                else:
                    insider.rows.append(({h: 1, a: -1}, -np.inf, -1))
                if qtype is QuestionType.scale_1_5:
                    insider.rows.append(({t: 1, a: -1, h: -3}, above, np.inf))
                    insider.rows.append(({t: 1, a: -3, h: -2}, -np.inf, -below))
                if table[r].questions[qi][0] == 1:
                    insider.whole_rows |= {(h, a), (t, a)}
                insiders.append(insider)
    return _exposed(m, targets, insiders, only, certified)


def _reports(
    week: Week, hidden: set[Cell], only: set[Cell] | None, certified: set[TargetKey] | None
) -> set[Cell]:
    m = _Model()
    rows = sorted(week.reports)
    if not rows:
        return set()
    parts = len(next(iter(week.reports.values())))
    org = tuple(sum(week.reports[r][p] for r in rows) for p in range(parts))
    table = {**{r: week.reports[r] for r in rows}, ORG: org}
    for r, counts in table.items():
        v = [m.var(r, f"P{p}", n) for p, n in enumerate(counts)]
        for total, members in week.report_lines:
            m.add({v[total]: 1, **{v[p]: -1 for p in members}}, 0, 0)
    for p in range(parts):
        m.add({m.index[(ORG, f"P{p}")]: 1, **{m.index[(r, f"P{p}")]: -1 for r in rows}}, 0, 0)
    targets: list[_Target] = []
    for r, counts in table.items():
        for p, n in enumerate(counts):
            i = m.index[(r, f"P{p}")]
            if (REPORTS, r, p) not in hidden:
                m.fix(i)
                continue
            m.at_least(i, 1 if n else 0)
            targets.append(_Target((REPORTS, r, p), {i: 1}, {}))
    insiders = []
    for known in week.report_insiders:
        insider = _Insider()
        for (r, p), n in known.items():
            found = m.index.get((r, f"P{p}"))
            if found is None or (REPORTS, r, p) not in hidden:
                continue
            i = found
            insider.own[i] = float(n)
            if n > 1:
                insider.at_least[i] = float(n)
        if insider.at_least:
            insiders.append(insider)
    return _exposed(m, targets, insiders, only, certified)


_SUPPORT_NAMES = ("Q", "P", "F", "W")


def _support(
    week: Week, hidden: set[Cell], only: set[Cell] | None, certified: set[TargetKey] | None
) -> set[Cell]:
    m = _Model()
    rows = sorted(week.support)
    if not rows:
        return set()
    org = SupportRow(
        sum(week.support[r].requests for r in rows),
        sum(week.support[r].requesters for r in rows),
        sum(week.support[r].first_contacts for r in rows),
        sum(week.support[r].within_target for r in rows),
    )
    table = {**{r: week.support[r] for r in rows}, ORG: org}
    for r, s in table.items():
        q, p, f, w = (
            m.var(r, n, v)
            for n, v in zip(
                _SUPPORT_NAMES,
                (s.requests, s.requesters, s.first_contacts, s.within_target),
                strict=True,
            )
        )
        m.add({p: 1, q: -1}, -np.inf, 0)
        m.add({f: 1, q: -1}, -np.inf, 0)
        m.add({w: 1, f: -1}, -np.inf, 0)
        m.add({q: 1, p: -_BIG}, -np.inf, 0)
    for n in _SUPPORT_NAMES:
        m.add({m.index[(ORG, n)]: 1, **{m.index[(r, n)]: -1 for r in rows}}, 0, 0)
    targets: list[_Target] = []
    for r in table:
        q, p, f, w = (m.index[(r, n)] for n in _SUPPORT_NAMES)
        block, contacts, within = ((SUPPORT, r, figure) for figure in (0, 1, 2))
        if block in hidden:
            m.at_least(q, 1)
            m.at_least(p, 1)
            targets.append(_Target(block, {q: 1}, {}))
            targets.append(_Target(block, {p: 1}, {}))
        else:
            m.fix(q)
            m.fix(p)
        if block in hidden or contacts in hidden:
            targets.append(_Target(contacts, {f: 1}, {}))
        else:
            m.fix(f)
        if block in hidden or within in hidden:
            targets.append(_Target(within, {w: 1}, {}))
            targets.append(_Target(within, {w: 1}, {q: 1}))
        else:
            m.fix(w)
    insiders = []
    for known in week.support_insiders:
        insider = _Insider()
        for r, share in known.items():
            if (r, "Q") not in m.index or not any((SUPPORT, r, x) in hidden for x in (0, 1, 2)):
                continue
            q, p, f, w = (m.index[(r, n)] for n in _SUPPORT_NAMES)
            n_q, n_p, n_f, n_w, n_open, n_late = share
            for i, count in ((q, n_q), (p, n_p), (f, n_f), (w, n_w)):
                insider.own[i] = float(count)
                if count > (1 if i in (q, p) else 0):
                    insider.at_least[i] = float(count)
            if n_open:
                insider.rows.append(({q: 1, f: -1}, n_open, np.inf))
            if n_late:
                insider.rows.append(({f: 1, w: -1}, n_late, np.inf))
        if insider.at_least or insider.rows:
            insiders.append(insider)
    return _exposed(m, targets, insiders, only, certified)


def exposed(
    week: Week,
    hidden: set[Cell],
    *,
    families: Iterable[int] = (CHECKINS, REPORTS, SUPPORT),
    only: set[Cell] | None = None,
    certified: set[TargetKey] | None = None,
) -> set[Cell]:
    """Hidden cells with a figure that a reader of the release, or a single insider reading
    it with their own records in hand, could work out exactly (of ``only``, when given).

    ``certified``, when given, names figures already shown to be safe with fewer cells
    hidden (hiding more only adds solutions, so they stay safe) and is added to: a caller
    that hides more step by step audits each figure once."""
    audits = {CHECKINS: _checkins, REPORTS: _reports, SUPPORT: _support}
    found: set[Cell] = set()
    for family in families:
        found |= audits[family](week, hidden, only, certified)
    return found
