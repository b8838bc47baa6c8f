"""Certifying each hidden figure: is there another solution in which it differs?

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

import numpy as np

from haven.insights.protection.figures import Cell
from haven.insights.protection.solver import Row, _dot, _Insider, _Model, _Problem, _Target


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
