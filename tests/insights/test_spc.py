"""Control charts and the special-cause rules: pure functions, case by case."""

from __future__ import annotations

import itertools
import math

import pytest

from haven.insights import spc
from haven.insights.spc import Direction, Rule

FLAT = [10.0, 12.0, 11.0, 9.0, 10.0, 11.0, 10.0, 9.0, 12.0, 10.0, 11.0, 9.0]  # mean 10.33


def _rules(chart: spc.Chart) -> set[tuple[Rule, Direction]]:
    return {(s.rule, s.direction) for s in chart.signals}


# --- centre lines and limits -----------------------------------------------------------------


def test_p_chart_centre_is_pooled_over_the_baseline() -> None:
    samples = [(2, 10), (3, 10), (1, 10), (4, 20), (2, 10), (3, 10), (9, 10)]
    chart = spc.p_chart(samples, baseline=6)
    assert chart.centre == pytest.approx(15 / 70)
    assert chart.baseline_points == 6


def test_p_chart_limits_widen_for_smaller_weeks() -> None:
    samples = [(2, 10), (3, 10), (1, 10), (4, 20), (2, 10), (3, 10), (1, 5), (8, 40)]
    chart = spc.p_chart(samples, baseline=6)
    p = 15 / 70
    small, large = chart.points[6], chart.points[7]
    assert small.ucl == pytest.approx(p + 3 * math.sqrt(p * (1 - p) / 5))
    assert large.ucl == pytest.approx(p + 3 * math.sqrt(p * (1 - p) / 40))
    assert small.ucl > large.ucl  # type: ignore[operator]


def test_p_chart_limits_stay_within_zero_and_one() -> None:
    samples = [(1, 2), (0, 2), (1, 2), (2, 2), (0, 2), (1, 2)]
    chart = spc.p_chart(samples, baseline=6)
    assert all(p.lcl == 0.0 and p.ucl == 1.0 for p in chart.points)


def test_u_chart_rate_and_limits_follow_exposure() -> None:
    samples = [(4.0, 2.0), (6.0, 2.0), (5.0, 2.0), (3.0, 1.0), (4.0, 2.0), (5.0, 2.0), (6.0, 0.5)]
    chart = spc.u_chart(samples, baseline=6)
    u = 27 / 11
    assert chart.centre == pytest.approx(u)
    last = chart.points[6]
    assert last.value == pytest.approx(12.0)
    assert last.ucl == pytest.approx(u + 3 * math.sqrt(u / 0.5))
    assert last.lcl == 0.0


def test_xmr_limits_are_2_66_moving_ranges() -> None:
    chart = spc.xmr_chart(FLAT, baseline=12)
    mean = sum(FLAT) / 12
    mr = sum(abs(b - a) for a, b in itertools.pairwise(FLAT)) / 11
    assert chart.centre == pytest.approx(mean)
    assert chart.points[0].ucl == pytest.approx(mean + 3 * mr / 1.128)
    assert chart.points[0].ucl == pytest.approx(mean + 2.66 * mr, rel=1e-3)
    assert chart.points[0].lcl == pytest.approx(mean - 3 * mr / 1.128)


def test_limits_come_from_the_baseline_only() -> None:
    values = [*FLAT, 30.0, 31.0]
    assert spc.xmr_chart(values, baseline=12).centre == spc.xmr_chart(FLAT, baseline=12).centre


def test_too_few_baseline_points_give_no_limits_and_no_signals() -> None:
    values = [10.0, None, None, 11.0, None, 10.0, 9.0, None, 50.0]
    chart = spc.xmr_chart(values, baseline=8)
    assert chart.centre is None
    assert chart.signals == ()
    assert all(p.ucl is None for p in chart.points)
    assert chart.baseline_points == 4


def test_missing_points_have_no_value_and_no_limits() -> None:
    chart = spc.xmr_chart([*FLAT[:6], None, *FLAT[6:]], baseline=12)
    gap = chart.points[6]
    assert (gap.value, gap.ucl, gap.lcl, gap.flags) == (None, None, None, frozenset())


def test_a_p_chart_week_without_respondents_is_missing() -> None:
    chart = spc.p_chart([(1, 10)] * 6 + [(0, 0)], baseline=6)
    assert chart.points[6].value is None


# --- the rules ---------------------------------------------------------------------------------


def test_a_point_above_the_upper_limit_is_flagged() -> None:
    chart = spc.xmr_chart([*FLAT, 20.0], baseline=12)
    assert (Rule.beyond_limits, Direction.up) in _rules(chart)
    assert Rule.beyond_limits in chart.points[12].flags


def test_a_point_below_the_lower_limit_is_flagged() -> None:
    chart = spc.xmr_chart([*FLAT, 1.0], baseline=12)
    assert (Rule.beyond_limits, Direction.down) in _rules(chart)


def test_a_point_within_the_limits_is_not_flagged() -> None:
    chart = spc.xmr_chart([*FLAT, 11.5], baseline=12)
    assert chart.signals == ()


def test_eight_in_a_row_above_the_centre_is_a_run() -> None:
    values = [*FLAT, *[11.0] * 8]
    chart = spc.xmr_chart(values, baseline=12)
    runs = [s for s in chart.signals if s.rule is Rule.run_of_eight]
    assert [(s.direction, s.indices[-1]) for s in runs] == [(Direction.up, 19)]
    assert len(runs[0].indices) >= 8


def test_seven_in_a_row_is_not_a_run() -> None:
    values = [10.0, 10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0, *[9.5] * 7]
    chart = spc.xmr_chart(values, baseline=8)
    assert Rule.run_of_eight not in {s.rule for s in chart.signals}


def test_a_point_on_the_centre_line_breaks_a_run() -> None:
    centre_values = [9.0, 11.0] * 4  # centre exactly 10
    values = [*centre_values, *[10.5] * 4, 10.0, *[10.5] * 4]
    chart = spc.xmr_chart(values, baseline=8)
    assert chart.centre == 10.0
    assert Rule.run_of_eight not in {s.rule for s in chart.signals}


def test_a_run_below_the_centre_is_down() -> None:
    values = [*FLAT, *[9.6] * 8]
    chart = spc.xmr_chart(values, baseline=12)
    assert (Rule.run_of_eight, Direction.down) in _rules(chart)


def test_runs_skip_missing_points() -> None:
    values = [*FLAT, 11.0, 11.0, None, 11.0, 11.0, None, 11.0, 11.0, 11.0, 11.0]
    chart = spc.xmr_chart(values, baseline=12)
    assert (Rule.run_of_eight, Direction.up) in _rules(chart)


def test_six_rising_points_are_a_trend() -> None:
    values = [*FLAT, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5]
    chart = spc.xmr_chart(values, baseline=12)
    trends = [s for s in chart.signals if s.rule is Rule.trend_of_six]
    assert [(s.direction, s.indices) for s in trends] == [(Direction.up, tuple(range(12, 18)))]


def test_five_rising_points_are_not_a_trend() -> None:
    values = [*FLAT, 12.0, 9.0, 9.5, 10.0, 10.5, 11.0]
    chart = spc.xmr_chart(values, baseline=12)
    trends = [s.indices for s in chart.signals if s.rule is Rule.trend_of_six]
    assert trends == []


def test_six_falling_points_are_a_downward_trend() -> None:
    values = [*FLAT, 12.0, 11.5, 11.0, 10.5, 10.0, 9.5]
    chart = spc.xmr_chart(values, baseline=12)
    assert (Rule.trend_of_six, Direction.down) in _rules(chart)


def test_a_tie_breaks_a_trend() -> None:
    values = [*FLAT, 9.0, 9.5, 10.0, 10.0, 10.5, 11.0]
    chart = spc.xmr_chart(values, baseline=12)
    assert Rule.trend_of_six not in {s.rule for s in chart.signals}


def test_two_of_three_beyond_two_sigma_on_one_side() -> None:
    chart = spc.xmr_chart(FLAT, baseline=12)
    sigma = chart.points[0].sigma or 0.0
    high = (chart.centre or 0.0) + 2.5 * sigma
    flagged = spc.xmr_chart([*FLAT, high, 10.0, high], baseline=12)
    signals = [s for s in flagged.signals if s.rule is Rule.two_of_three]
    assert [(s.direction, s.indices) for s in signals] == [(Direction.up, (12, 14))]


def test_two_of_three_on_opposite_sides_is_not_a_signal() -> None:
    chart = spc.xmr_chart(FLAT, baseline=12)
    sigma = chart.points[0].sigma or 0.0
    centre = chart.centre or 0.0
    values = [*FLAT, centre + 2.5 * sigma, centre - 2.5 * sigma, centre]
    flagged = spc.xmr_chart(values, baseline=12)
    assert Rule.two_of_three not in {s.rule for s in flagged.signals}


def test_one_of_three_beyond_two_sigma_is_not_a_signal() -> None:
    chart = spc.xmr_chart(FLAT, baseline=12)
    sigma = chart.points[0].sigma or 0.0
    values = [*FLAT, (chart.centre or 0.0) + 2.5 * sigma, 10.0, 10.5]
    flagged = spc.xmr_chart(values, baseline=12)
    assert Rule.two_of_three not in {s.rule for s in flagged.signals}


def test_p_chart_flags_a_high_stress_week() -> None:
    samples = [(3, 30), (4, 30), (2, 30), (3, 30), (5, 30), (3, 30), (15, 30)]
    chart = spc.p_chart(samples, baseline=6)
    assert (Rule.beyond_limits, Direction.up) in _rules(chart)


def test_a_zero_rate_baseline_flags_any_event() -> None:
    chart = spc.u_chart([(0.0, 1.0)] * 6 + [(1.0, 1.0)], baseline=6)
    assert chart.centre == 0.0
    assert (Rule.beyond_limits, Direction.up) in _rules(chart)


# --- current signals --------------------------------------------------------------------------


def test_a_signal_on_the_latest_week_is_current() -> None:
    chart = spc.xmr_chart([*FLAT, 20.0], baseline=12)
    assert [s.rule for s in chart.current_signals()] == [Rule.beyond_limits]


def test_a_signal_that_has_passed_is_not_current() -> None:
    chart = spc.xmr_chart([*FLAT, 20.0, 10.0], baseline=12)
    assert chart.signals != ()
    assert chart.current_signals() == []


def test_a_signal_is_current_when_only_the_last_week_is_missing() -> None:
    chart = spc.xmr_chart([*FLAT, 20.0, None], baseline=12)
    assert [s.rule for s in chart.current_signals()] == [Rule.beyond_limits]


def test_nothing_is_current_when_the_last_weeks_are_missing() -> None:
    chart = spc.xmr_chart([*FLAT, 20.0, None, None], baseline=12)
    assert chart.current_signals() == []
