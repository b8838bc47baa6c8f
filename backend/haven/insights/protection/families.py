"""The three families of a week's figures, each written down as the audit's constraints:
check-ins, reports and support, with the insiders each family has; and :func:`exposed`,
the audit over all of them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from haven.checkins.schemas import QuestionType
from haven.insights.protection.certification import TargetKey, _exposed
from haven.insights.protection.figures import (
    CHECKINS,
    ORG,
    REPORTS,
    SUPPORT,
    Cell,
    CheckinRow,
    SupportRow,
    Week,
)
from haven.insights.protection.solver import _BIG, _Insider, _Model, _Target


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
