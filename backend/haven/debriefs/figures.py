"""The weekly figures insights reads: debriefs held and action items opened (with their
strength mix), done and overdue, per department and week, counted in SQL. No principal:
insights applies its own access rules and small-number suppression."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from haven.core.weeks import week_start
from haven.debriefs.action_lists import still_to_do
from haven.debriefs.models import ActionItem, Debrief
from haven.debriefs.schemas import (
    ActionStatus,
    ActionStrength,
    DebriefStatus,
    DebriefWeekFigures,
)

_HELD = (DebriefStatus.held, DebriefStatus.summarized, DebriefStatus.closed)
_DONE = (ActionStatus.done, ActionStatus.verified)  # still done, or since verified


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def weekly_figures(session: Session, *, start: date, end: date) -> list[DebriefWeekFigures]:
    """Per department and week (Monday start, UTC days), for days in ``[start, end)``.

    Counted in SQL with GROUP BY. Debriefs held by the day held; items opened by the day
    created (with their strength mix); items done by the day first completed (still done or
    since verified); overdue items are those still open or in progress whose due date falls
    in the week, before ``end``. A (department, week) with nothing to count is left out.
    No principal: insights applies its own access rules and small-number suppression.
    """
    if end <= start:
        return []
    lo, hi = _utc_start(start), _utc_start(end)
    figures: dict[tuple[uuid.UUID, date], dict[str, int]] = {}

    def add(department: Any, day: Any, where: Sequence[Any], **counts: Any) -> None:
        """Count, per department and week of ``day``, the rows matching ``where``."""
        week = week_start(day)
        rows = session.execute(
            sa.select(department, week, *counts.values()).where(*where).group_by(department, week)
        ).all()
        for department_id, week_value, *values in rows:
            monday = (
                week_value if isinstance(week_value, date) else date.fromisoformat(str(week_value))
            )
            cell = figures.setdefault((department_id, monday), {})
            for name, value in zip(counts, values, strict=True):
                cell[name] = int(value or 0)

    def strength_count(strength: ActionStrength) -> Any:
        return sa.func.sum(sa.case((col(ActionItem.strength) == strength.value, 1), else_=0))

    held_at = col(Debrief.held_at)
    add(
        col(Debrief.department_id),
        held_at,
        [held_at >= lo, held_at < hi, col(Debrief.status).in_([s.value for s in _HELD])],
        debriefs_held=sa.func.count(),
    )
    action_department = col(ActionItem.department_id)
    created_at = col(ActionItem.created_at)
    add(
        action_department,
        created_at,
        [created_at >= lo, created_at < hi],
        action_items_opened=sa.func.count(),
        stronger=strength_count(ActionStrength.stronger),
        intermediate=strength_count(ActionStrength.intermediate),
        weaker=strength_count(ActionStrength.weaker),
    )
    done_at = col(ActionItem.done_at)
    add(
        action_department,
        done_at,
        [done_at >= lo, done_at < hi, col(ActionItem.status).in_([s.value for s in _DONE])],
        action_items_done=sa.func.count(),
    )
    due_on = col(ActionItem.due_on)
    add(
        action_department,
        due_on,
        [still_to_do(), due_on >= start, due_on < end],
        action_items_overdue=sa.func.count(),
    )
    return [
        DebriefWeekFigures(
            department_id=department_id,
            week_start=monday,
            debriefs_held=cell.get("debriefs_held", 0),
            action_items_opened=cell.get("action_items_opened", 0),
            action_items_done=cell.get("action_items_done", 0),
            action_items_overdue=cell.get("action_items_overdue", 0),
            stronger=cell.get("stronger", 0),
            intermediate=cell.get("intermediate", 0),
            weaker=cell.get("weaker", 0),
        )
        for (department_id, monday), cell in sorted(
            figures.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
        )
    ]
