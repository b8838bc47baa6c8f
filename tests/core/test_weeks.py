"""Weeks run Monday to Sunday, named by their Monday, whatever day of them is given."""

from __future__ import annotations

from datetime import date, timedelta

from haven.core.weeks import monday_of, week_end, weeks_between


def test_every_day_of_a_week_has_the_same_monday_and_sunday() -> None:
    monday = date(2026, 11, 30)
    for offset in range(7):
        day = monday + timedelta(days=offset)
        assert monday_of(day) == monday
        assert week_end(day) == date(2026, 12, 6)


def test_a_week_across_the_new_year_ends_in_the_next_year() -> None:
    assert monday_of(date(2027, 1, 1)) == date(2026, 12, 28)
    assert week_end(date(2026, 12, 31)) == date(2027, 1, 3)


def test_weeks_between_lists_each_monday_once_both_ends_included() -> None:
    assert weeks_between(date(2026, 11, 18), date(2026, 11, 30)) == [
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
    ]
