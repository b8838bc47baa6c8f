"""Moving a debrief along ``scheduled → held → summarized → closed`` (or ``scheduled →
cancelled``; the moves are in ``policy.TRANSITIONS``): a record is summarised only with the
ground rules agreed and a contributing system factor named; holding it opens feedback."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from haven.core import clock
from haven.core.errors import Conflict, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.debriefs import policy
from haven.debriefs.loading import (
    audit_debrief,
    debrief_link,
    load_debrief,
    record_of,
    status_of,
)
from haven.debriefs.participants import invitee_ids
from haven.debriefs.people import others
from haven.debriefs.reading import debrief_read
from haven.debriefs.schemas import DebriefRead, DebriefStatus, DebriefTransition
from haven.notifications import service as notifications


def transition_debrief(
    session: Session,
    principal: Principal,
    *,
    debrief_id: uuid.UUID,
    data: DebriefTransition,
    if_match: str | None,
) -> DebriefRead:
    debrief = load_debrief(session, principal, debrief_id, run=True)
    require_if_match(if_match, debrief.version)
    current = status_of(debrief)
    if data.to not in policy.TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in policy.allowed_transitions(current)) or "none"
        raise Conflict(
            f"A {current.value} debrief cannot move to {data.to.value} (allowed: {allowed}).",
            errors=[field_error("to", "Not allowed from the current status.")],
        )
    now = clock.now()
    if data.to == DebriefStatus.summarized:
        record = record_of(session, debrief)
        errors = []
        if not record.ground_rules_acknowledged:
            errors.append(
                field_error("record.ground_rules_acknowledged", "The ground rules were not agreed.")
            )
        if not record.contributing_factors:
            errors.append(
                field_error(
                    "record.contributing_factors", "Name at least one contributing system factor."
                )
            )
        if errors:
            raise Unprocessable("The record is not ready to be summarised.", errors=errors)
    if data.to == DebriefStatus.held:
        debrief.held_at = now
    if data.to == DebriefStatus.cancelled:
        debrief.cancel_reason = (data.reason or "").strip() or None
    debrief.status = data.to.value
    debrief.updated_at = now
    session.add(debrief)
    session.flush()
    audit_debrief(session, principal, f"debrief.status.{data.to.value}", debrief.id)
    if data.to == DebriefStatus.cancelled:
        notifications.notify(
            session,
            user_ids=others(principal, [*invitee_ids(session, debrief.id), debrief.facilitator_id]),
            kind="debrief.cancelled",
            title="A debrief you were invited to was cancelled",
            link=debrief_link(debrief.id),
        )
    if data.to == DebriefStatus.held:
        notifications.notify(
            session,
            user_ids=others(principal, invitee_ids(session, debrief.id, present_only=True)),
            kind="debrief.feedback",
            title="Tell us anonymously how a debrief went",
            link=f"{debrief_link(debrief.id)}/feedback",
            email=False,
        )
    return debrief_read(session, principal, debrief)
