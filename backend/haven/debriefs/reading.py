"""Reading debriefs: one as the caller sees it (linked reports, the cancel reason and the
moves only for those who run it), and the list of those the caller may read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.debriefs import policy
from haven.debriefs.feedback import feedback_state
from haven.debriefs.loading import debrief_facts, load_debrief, record_of, status_of
from haven.debriefs.models import Debrief, DebriefReport
from haven.debriefs.participants import participant_reads
from haven.debriefs.people import person_ref, person_refs
from haven.debriefs.record import record_read
from haven.debriefs.schemas import (
    DebriefKind,
    DebriefListItem,
    DebriefRead,
    DebriefStatus,
    PersonRef,
)


def _list_item(debrief: Debrief, refs: dict[uuid.UUID, PersonRef]) -> DebriefListItem:
    return DebriefListItem(
        id=debrief.id,
        kind=DebriefKind(debrief.kind),
        title=debrief.title,
        status=status_of(debrief),
        department_id=debrief.department_id,
        facilitator=person_ref(refs, debrief.facilitator_id),
        scheduled_at=debrief.scheduled_at,
        duration_minutes=debrief.duration_minutes,
        location=debrief.location,
        version=debrief.version,
    )


def debrief_read(session: Session, principal: Principal, debrief: Debrief) -> DebriefRead:
    runs = policy.may_run(principal, debrief_facts(debrief))
    report_ids: list[uuid.UUID] = []
    if runs:
        report_ids = sorted(
            session.exec(
                select(DebriefReport.report_id).where(col(DebriefReport.debrief_id) == debrief.id)
            ).all()
        )
    item = _list_item(debrief, person_refs(session, [debrief.facilitator_id]))
    return DebriefRead(
        **item.model_dump(),
        report_ids=report_ids,
        participants=participant_reads(session, debrief.id),
        record=record_read(record_of(session, debrief)),
        held_at=debrief.held_at,
        cancel_reason=debrief.cancel_reason if runs else None,
        can_manage=runs,
        allowed_transitions=policy.allowed_transitions(status_of(debrief)) if runs else [],
        feedback=feedback_state(session, principal, debrief),
        created_at=debrief.created_at,
    )


def get_debrief(session: Session, principal: Principal, *, debrief_id: uuid.UUID) -> DebriefRead:
    return debrief_read(session, principal, load_debrief(session, principal, debrief_id))


@dataclass(frozen=True)
class DebriefFilters:
    status: DebriefStatus | None = None
    kind: DebriefKind | None = None
    department_id: uuid.UUID | None = None
    upcoming: bool = False
    mine: bool = False


_DEBRIEF_ORDER = (col(Debrief.scheduled_at), col(Debrief.id))


def list_debriefs(
    session: Session, principal: Principal, *, filters: DebriefFilters, params: PageParams
) -> tuple[list[DebriefListItem], str | None]:
    """Newest first; ``upcoming`` lists scheduled ones from now on, soonest first."""
    stmt = policy.scope_debriefs(select(Debrief), principal)
    if filters.status is not None:
        stmt = stmt.where(col(Debrief.status) == filters.status.value)
    if filters.kind is not None:
        stmt = stmt.where(col(Debrief.kind) == filters.kind.value)
    if filters.department_id is not None:
        stmt = stmt.where(col(Debrief.department_id) == filters.department_id)
    if filters.mine:
        stmt = stmt.where(policy.takes_part(principal))
    if filters.upcoming:
        # Still upcoming while it may be running: from its start minus the longest session.
        stmt = stmt.where(
            col(Debrief.status) == DebriefStatus.scheduled.value,
            col(Debrief.scheduled_at) >= clock.now() - timedelta(hours=8),
        )
    rows, cursor = paginate(
        session, stmt, keys=_DEBRIEF_ORDER, params=params, descending=not filters.upcoming
    )
    refs = person_refs(session, {r.facilitator_id for r in rows})
    return [_list_item(r, refs) for r in rows], cursor
