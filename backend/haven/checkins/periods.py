"""Check-in periods: weekly, or fortnightly from a fixed Monday (pure date arithmetic)."""

from __future__ import annotations

from datetime import date, timedelta

from haven.checkins.schemas import CheckinPeriod
from haven.core.weeks import monday_of, week_end

# Fortnights start on the Mondays of even weeks counted from this Monday.
FORTNIGHT_EPOCH = date(2024, 1, 1)


def period_bounds(period: CheckinPeriod | str, day: date) -> tuple[date, date]:
    """First and last day of the period containing ``day``; periods start on a Monday."""
    monday = monday_of(day)
    if CheckinPeriod(period) is CheckinPeriod.fortnightly:
        weeks = (monday - FORTNIGHT_EPOCH).days // 7
        monday -= timedelta(weeks=weeks % 2)
        return monday, monday + timedelta(days=13)
    return monday, week_end(monday)
