"""Lists of action items, each scoped by ``policy.scope_actions``: filtered (soonest due
first) and the overdue ones counted per department. Overdue means still to do (open or in
progress) with its due date passed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.debriefs import policy
from haven.debriefs.actions import action_reads
from haven.debriefs.models import ActionItem
from haven.debriefs.schemas import ActionItemRead, ActionStatus, ActionStrength, OverdueCount


@dataclass(frozen=True)
class ActionFilters:
    department_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    status: ActionStatus | None = None
    strength: ActionStrength | None = None
    overdue: bool | None = None
    debrief_id: uuid.UUID | None = None
    report_id: uuid.UUID | None = None


def still_to_do() -> Any:
    """The condition that an action item is open or in progress."""
    return col(ActionItem.status).in_([s.value for s in policy.STILL_TO_DO])


def list_action_items(
    session: Session, principal: Principal, *, filters: ActionFilters, params: PageParams
) -> tuple[list[ActionItemRead], str | None]:
    """Soonest due first."""
    stmt = policy.scope_actions(select(ActionItem), principal)
    for column, value in (
        (ActionItem.department_id, filters.department_id),
        (ActionItem.owner_id, filters.owner_id),
        (ActionItem.debrief_id, filters.debrief_id),
        (ActionItem.report_id, filters.report_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if filters.status is not None:
        stmt = stmt.where(col(ActionItem.status) == filters.status.value)
    if filters.strength is not None:
        stmt = stmt.where(col(ActionItem.strength) == filters.strength.value)
    if filters.overdue is True:
        stmt = stmt.where(still_to_do(), col(ActionItem.due_on) < clock.today())
    elif filters.overdue is False:
        stmt = stmt.where(sa.not_(sa.and_(still_to_do(), col(ActionItem.due_on) < clock.today())))
    rows, cursor = paginate(
        session, stmt, keys=(col(ActionItem.due_on), col(ActionItem.id)), params=params
    )
    return action_reads(session, principal, rows), cursor


def overdue_by_department(session: Session, principal: Principal) -> list[OverdueCount]:
    grouped = (
        sa.select(
            col(ActionItem.department_id), sa.func.count(), sa.func.min(col(ActionItem.due_on))
        )
        .where(still_to_do(), col(ActionItem.due_on) < clock.today())
        .group_by(col(ActionItem.department_id))
    )
    rows = session.execute(policy.scope_actions(grouped, principal)).all()
    return sorted(
        (
            OverdueCount(department_id=dep, overdue=int(count), oldest_due_on=oldest)
            for dep, count, oldest in rows
        ),
        key=lambda r: (-r.overdue, r.oldest_due_on, r.department_id),
    )
