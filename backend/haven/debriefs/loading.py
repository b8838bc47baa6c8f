"""Loading a debrief as the caller may see it (404 to those who may not read it, 403 when
those who may only read it ask to run it), and the small pieces every debrief rule shares:
the facts the policy decides on, the status, the record row, the audit row and the link
into the web client."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from haven.core import audit
from haven.core.errors import Conflict, Forbidden, NotFound
from haven.core.security import Principal
from haven.debriefs import policy
from haven.debriefs.models import Debrief, DebriefParticipant, DebriefRecord
from haven.debriefs.policy import DebriefFacts
from haven.debriefs.schemas import DebriefKind, DebriefStatus


def debrief_facts(debrief: Debrief) -> DebriefFacts:
    return DebriefFacts(
        department_id=debrief.department_id,
        facilitator_id=debrief.facilitator_id,
        kind=DebriefKind(debrief.kind),
    )


def participation(
    session: Session, debrief_id: uuid.UUID, user_id: uuid.UUID
) -> DebriefParticipant | None:
    return session.get(DebriefParticipant, (debrief_id, user_id))


def load_debrief(
    session: Session, principal: Principal, debrief_id: uuid.UUID, *, run: bool = False
) -> Debrief:
    """The debrief if the principal may read it (404 otherwise); 403 when ``run`` is asked
    of someone who may only read it."""
    debrief = session.get(Debrief, debrief_id)
    if debrief is None:
        raise NotFound("No such debrief.")
    facts = debrief_facts(debrief)
    if policy.may_run(principal, facts):
        return debrief
    invited = principal.kind == "user" and (
        participation(session, debrief.id, principal.id) is not None
    )
    if not policy.may_read(principal, facts, is_participant=invited):
        raise NotFound("No such debrief.")
    if run:
        raise Forbidden("Only those who run this debrief may do this.")
    return debrief


def status_of(debrief: Debrief) -> DebriefStatus:
    return DebriefStatus(debrief.status)


def load_to_run(
    session: Session,
    principal: Principal,
    debrief_id: uuid.UUID,
    *,
    open_in: frozenset[DebriefStatus],
    refusal: str,
) -> Debrief:
    """The debrief for one who runs it (as :func:`load_debrief` with ``run``); 409 with
    ``refusal`` (its ``{status}`` filled in) unless its status is one of ``open_in``."""
    debrief = load_debrief(session, principal, debrief_id, run=True)
    status = status_of(debrief)
    if status not in open_in:
        raise Conflict(refusal.format(status=status.value))
    return debrief


def record_of(session: Session, debrief: Debrief) -> DebriefRecord:
    record = session.get(DebriefRecord, debrief.id)
    if record is None:  # created with the debrief; kept defensive for hand-made rows
        record = DebriefRecord(debrief_id=debrief.id)
        session.add(record)
        session.flush()
    return record


def audit_debrief(
    session: Session, principal: Principal, action: str, debrief_id: uuid.UUID
) -> None:
    audit.record_event(
        session, principal, action=action, object_type="debrief", object_id=debrief_id
    )


def debrief_link(debrief_id: uuid.UUID) -> str:
    return f"/debriefs/{debrief_id}"
