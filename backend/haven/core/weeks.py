"""Weeks as Haven counts them: Monday to Sunday, named by their Monday (ISO 8601).

:func:`week_start` is the SQL expression for "the Monday of this date" on both databases,
so figures are grouped by week in the database, never by loading rows into Python.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

ONE_WEEK = timedelta(days=7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_end(week: date) -> date:
    """The Sunday that ends the week of this date (its last day)."""
    return monday_of(week) + timedelta(days=6)


def weeks_between(first_monday: date, last_monday: date) -> list[date]:
    """Every Monday from ``first_monday`` to ``last_monday``, both included."""
    weeks = []
    current = monday_of(first_monday)
    while current <= last_monday:
        weeks.append(current)
        current += ONE_WEEK
    return weeks


class week_start(FunctionElement[date]):  # noqa: N801 - reads as an SQL function
    """``week_start(column)``: the Monday of a DATE column (or of a UTC timestamp's day),
    computed by the database."""

    type = sa.Date()
    inherit_cache = True
    name = "week_start"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is Monday.
    (arg,) = list(element.clauses)
    return f"date({compiler.process(arg, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    inner = compiler.process(arg, **kw)
    if not isinstance(arg.type, sa.Date):
        # a UTC timestamp: its UTC day's week (SQLite's date() reads the UTC text the same)
        inner = f"({inner} AT TIME ZONE 'UTC')"
    return f"CAST(date_trunc('week', {inner}) AS DATE)"
