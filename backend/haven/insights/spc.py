"""Statistical process control, as quality-improvement teams use it: pure functions.

* p-chart for a proportion (share of high stress): p-bar = sum(events) / sum(n) over the
  baseline; sigma_i = sqrt(p-bar (1 - p-bar) / n_i), so the limits widen for small weeks.
* u-chart for a rate (reports per 1,000 patient-days, or per week with exposure 1):
  u-bar = sum(counts) / sum(exposure); sigma_i = sqrt(u-bar / exposure_i).
* XmR (individuals and moving range) for a mean score: x-bar and the mean moving range
  MR-bar over the baseline; sigma = MR-bar / 1.128 (limits x-bar +- 2.66 MR-bar).

Limits are centre +- 3 sigma (a proportion is kept within 0..1, a rate above 0), computed
from the visible points of the baseline (the first ``baseline`` weeks of the window) and
held for the rest. With fewer than ``MIN_BASELINE_POINTS`` visible baseline points there
are no limits and no signals. Missing points (no data, or suppressed) are skipped: "in a
row" means consecutive visible points.

Special causes (each on one side of the centre line, or one direction):

* ``beyond_limits``: a point above the upper or below the lower limit;
* ``run_of_eight``: 8 or more points in a row on one side of the centre (a point on the
  centre line breaks the run);
* ``trend_of_six``: 6 or more points in a row, each higher (or each lower) than the one
  before;
* ``two_of_three``: 2 of 3 consecutive points beyond 2 sigma on the same side.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

MIN_BASELINE_POINTS = 6
RUN_LENGTH = 8
TREND_LENGTH = 6
D2 = 1.128  # the bias constant for moving ranges of two


class ChartKind(StrEnum):
    p = "p"
    u = "u"
    xmr = "xmr"


class Rule(StrEnum):
    beyond_limits = "beyond_limits"
    run_of_eight = "run_of_eight"
    trend_of_six = "trend_of_six"
    two_of_three = "two_of_three"


class Direction(StrEnum):
    up = "up"
    down = "down"


@dataclass(frozen=True)
class Signal:
    rule: Rule
    direction: Direction
    indices: tuple[int, ...]


class ChartPoint(NamedTuple):
    """One week of a chart. (A named tuple: a request builds some 6,000 of them.)"""

    value: float | None
    sigma: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    flags: frozenset[Rule] = frozenset()


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    centre: float | None
    baseline_points: int
    points: tuple[ChartPoint, ...]
    signals: tuple[Signal, ...]

    def last_visible(self) -> int | None:
        for index in range(len(self.points) - 1, -1, -1):
            if self.points[index].value is not None:
                return index
        return None

    def current_signals(self, *, within: int = 2) -> list[Signal]:
        """Signals that include the latest visible point, if that point is among the last
        ``within`` weeks of the window."""
        last = self.last_visible()
        if last is None or last < len(self.points) - within:
            return []
        return [s for s in self.signals if last in s.indices]


# --- the charts ----------------------------------------------------------------------------


def p_chart(samples: Sequence[tuple[int, int] | None], *, baseline: int) -> Chart:
    """``samples[i]`` is (events, n) for week i, or None when missing."""
    values = [None if s is None or s[1] <= 0 else s[0] / s[1] for s in samples]
    base = [s for s in samples[:baseline] if s is not None and s[1] > 0]
    if len(base) < MIN_BASELINE_POINTS:
        return _no_limits(ChartKind.p, values, len(base))
    centre = sum(e for e, _ in base) / sum(n for _, n in base)
    sigmas = [
        None if v is None or s is None else math.sqrt(centre * (1 - centre) / s[1])
        for v, s in zip(values, samples, strict=True)
    ]
    return _chart(ChartKind.p, values, sigmas, centre, len(base), low=0.0, high=1.0)


def u_chart(samples: Sequence[tuple[float, float] | None], *, baseline: int) -> Chart:
    """``samples[i]`` is (count, exposure) for week i, or None when missing."""
    values = [None if s is None or s[1] <= 0 else s[0] / s[1] for s in samples]
    base = [s for s in samples[:baseline] if s is not None and s[1] > 0]
    if len(base) < MIN_BASELINE_POINTS:
        return _no_limits(ChartKind.u, values, len(base))
    centre = sum(c for c, _ in base) / sum(a for _, a in base)
    sigmas = [
        None if v is None or s is None else math.sqrt(centre / s[1])
        for v, s in zip(values, samples, strict=True)
    ]
    return _chart(ChartKind.u, values, sigmas, centre, len(base), low=0.0, high=None)


def xmr_chart(values: Sequence[float | None], *, baseline: int) -> Chart:
    base = [v for v in values[:baseline] if v is not None]
    if len(base) < MIN_BASELINE_POINTS:
        return _no_limits(ChartKind.xmr, list(values), len(base))
    centre = sum(base) / len(base)
    moving_ranges = [abs(b - a) for a, b in itertools.pairwise(base)]
    sigma = (sum(moving_ranges) / len(moving_ranges)) / D2
    sigmas = [None if v is None else sigma for v in values]
    return _chart(ChartKind.xmr, list(values), sigmas, centre, len(base), low=None, high=None)


def _no_limits(kind: ChartKind, values: Sequence[float | None], baseline_points: int) -> Chart:
    return Chart(
        kind=kind,
        centre=None,
        baseline_points=baseline_points,
        points=tuple(ChartPoint(value=v) for v in values),
        signals=(),
    )


def _chart(
    kind: ChartKind,
    values: Sequence[float | None],
    sigmas: Sequence[float | None],
    centre: float,
    baseline_points: int,
    *,
    low: float | None,
    high: float | None,
) -> Chart:
    def clamp(x: float) -> float:
        if low is not None:
            x = max(low, x)
        if high is not None:
            x = min(high, x)
        return x

    limits = [
        (None, None) if s is None else (clamp(centre + 3 * s), clamp(centre - 3 * s))
        for s in sigmas
    ]
    signals = special_causes(
        values, centre=centre, sigmas=sigmas, limits=[(u, lo) for u, lo in limits]
    )
    no_flags: frozenset[Rule] = frozenset()
    flags: list[frozenset[Rule]] = [no_flags] * len(values)
    for signal in signals:
        for index in signal.indices:
            flags[index] = flags[index] | {signal.rule}
    points = tuple(
        ChartPoint(v, s, u, lo, f)
        for v, s, (u, lo), f in zip(values, sigmas, limits, flags, strict=True)
    )
    return Chart(
        kind=kind,
        centre=centre,
        baseline_points=baseline_points,
        points=points,
        signals=tuple(signals),
    )


# --- the special-cause rules ---------------------------------------------------------------


def special_causes(
    values: Sequence[float | None],
    *,
    centre: float,
    sigmas: Sequence[float | None],
    limits: Sequence[tuple[float | None, float | None]],
) -> list[Signal]:
    """Every special cause in the series; points without a value or sigma are skipped."""
    visible = [
        i
        for i, (v, s) in enumerate(zip(values, sigmas, strict=True))
        if v is not None and s is not None
    ]
    series = [(i, float(values[i])) for i in visible]  # type: ignore[arg-type]
    signals: list[Signal] = []
    signals += _beyond(series, limits)
    signals += _runs(series, centre)
    signals += _trends(series)
    signals += _two_of_three(series, centre, sigmas)
    return signals


def _beyond(
    series: list[tuple[int, float]], limits: Sequence[tuple[float | None, float | None]]
) -> list[Signal]:
    found = []
    for index, value in series:
        upper, lower = limits[index]
        if upper is not None and value > upper:
            found.append(Signal(Rule.beyond_limits, Direction.up, (index,)))
        elif lower is not None and value < lower:
            found.append(Signal(Rule.beyond_limits, Direction.down, (index,)))
    return found


def _side(value: float, centre: float) -> int:
    return 1 if value > centre else -1 if value < centre else 0


def _runs(series: list[tuple[int, float]], centre: float) -> list[Signal]:
    found = []
    run: list[int] = []
    side = 0
    for index, value in [*series, (-1, centre)]:  # the sentinel on the centre ends the last run
        current = _side(value, centre) if index >= 0 else 0
        if current != 0 and current == side:
            run.append(index)
            continue
        if len(run) >= RUN_LENGTH:
            direction = Direction.up if side > 0 else Direction.down
            found.append(Signal(Rule.run_of_eight, direction, tuple(run)))
        run = [index] if current != 0 else []
        side = current
    return found


def _trends(series: list[tuple[int, float]]) -> list[Signal]:
    found = []
    run: list[int] = []
    step = 0
    previous: float | None = None
    for index, value in series:
        current = 0 if previous is None else _side(value, previous)
        if current != 0 and current == step:
            run.append(index)
        else:
            if len(run) >= TREND_LENGTH:
                found.append(_trend_signal(run, step))
            run = [run[-1], index] if current != 0 and run else [index]
            step = current
        previous = value
    if len(run) >= TREND_LENGTH:
        found.append(_trend_signal(run, step))
    return found


def _trend_signal(run: list[int], step: int) -> Signal:
    return Signal(Rule.trend_of_six, Direction.up if step > 0 else Direction.down, tuple(run))


def _two_of_three(
    series: list[tuple[int, float]], centre: float, sigmas: Sequence[float | None]
) -> list[Signal]:
    found: list[Signal] = []
    for direction, sign in ((Direction.up, 1), (Direction.down, -1)):
        # Each point is judged once; most series have no two such points at all.
        far = [sign * (v - centre) > 2 * float(sigmas[i] or 0.0) for i, v in series]
        if sum(far) < 2:
            continue
        flagged: list[int] = []
        windows: list[set[int]] = []
        for start in range(len(series) - 2):
            if far[start] + far[start + 1] + far[start + 2] >= 2:
                windows.append({series[j][0] for j in range(start, start + 3) if far[j]})
        for window_set in windows:
            # Overlapping windows describe one episode: merge them.
            if flagged and window_set & set(flagged):
                flagged = sorted(set(flagged) | window_set)
                found[-1] = Signal(Rule.two_of_three, direction, tuple(flagged))
            else:
                flagged = sorted(window_set)
                found.append(Signal(Rule.two_of_three, direction, tuple(flagged)))
    return found
