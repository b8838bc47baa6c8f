"""Encounters: logged by the assigned supporter (date, duration, channel, tier, outcome, the
safety-exception flag, the optional private note), never with event facts. A safety
exception escalates at once; an outcome of ``follow_up`` schedules the follow-ups."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.errors import Forbidden, Unprocessable, field_error
from haven.core.security import Principal
from haven.notifications import service as notifications
from haven.support import notices, resources, sealing, views
from haven.support.auditing import audit_request
from haven.support.follow_ups import schedule_follow_ups
from haven.support.models import SupportEncounter, SupportRequest
from haven.support.requests import CLOCK_LEEWAY, escalate, record_first_contact
from haven.support.schemas import (
    EncounterChannel,
    EncounterCreate,
    EncounterOutcome,
    EncounterRead,
    EscalationResource,
    RequestStatus,
    RequestView,
)


def _encounter_read(
    session: Session, row: SupportEncounter, principal: Principal, *, with_note: bool = True
) -> EncounterRead:
    """``with_note=False`` for the answer to logging one: that answer may be kept for a day
    as an idempotent replay, and the note must never be stored unsealed."""
    note = None
    mine = row.supporter_id is not None and row.supporter_id == principal.id
    if mine and with_note:
        note = sealing.open_or_none(
            session,
            record_id=row.id,
            field=sealing.SealedField.private_note,
            sealed=row.note_sealed,
            author_id=principal.id,
        )
    return EncounterRead(
        id=row.id,
        occurred_at=row.occurred_at,
        minutes=row.minutes,
        channel=EncounterChannel(row.channel),
        tier=row.tier,
        outcome=EncounterOutcome(row.outcome),
        safety_exception=row.safety_exception,
        private_note=note,
        note_expires_at=row.note_expires_at if mine and row.note_sealed is not None else None,
        created_at=row.created_at,
    )


def _raise_safety_exception(session: Session, request: SupportRequest, now: datetime) -> None:
    """Risk to self or others: escalate at once, to the coordinators and the configured
    emergency pathway, with the time (and nothing of what was said)."""
    request.safety_exception_at = now
    escalate(request, EscalationResource.emergency_pathway, now)
    notifications.notify(
        session,
        user_ids=notices.coordinator_ids(session),
        kind="support.safety_exception",
        title=notices.TITLE_SAFETY,
        link=notices.BOARD_LINK,
    )
    pathway = resources.settings().emergency_email
    if pathway:
        notifications.queue_email(
            session,
            to_address=pathway,
            subject="Haven: urgent safety concern raised by a peer supporter",
            body=(
                "A peer supporter raised a safety concern (risk to self or others) at "
                f"{now.isoformat(timespec='minutes')} UTC.\n\nContact the support coordinator "
                "on call now. No details are sent by email.\n"
            ),
        )


def log_encounter(
    session: Session, principal: Principal, *, request_id: uuid.UUID, data: EncounterCreate
) -> EncounterRead:
    request, view = views.load_request(session, principal, request_id)
    if view is not RequestView.supporter:
        raise Forbidden("Only the assigned supporter logs encounters.")
    views.require_open(request)
    now = clock.now()
    occurred = data.occurred_at
    if occurred.tzinfo is None:
        raise Unprocessable(
            "Give the time with its offset.",
            errors=[field_error("occurred_at", "Needs a time zone.")],
        )
    if occurred > now + CLOCK_LEEWAY or occurred < request.created_at - timedelta(days=1):
        raise Unprocessable(
            "The encounter's time must be between the request's creation and now.",
            errors=[field_error("occurred_at", "Between the request's creation and now.")],
        )
    settings = resources.settings()
    if data.private_note and not settings.private_notes:
        raise Unprocessable(
            "Private notes are off in this organisation.",
            errors=[field_error("private_note", "Not enabled here; leave it empty.")],
        )
    encounter_id = uuid.uuid4()
    sealed = sealing.seal_texts(
        session,
        record_id=encounter_id,
        texts={sealing.SealedField.private_note: data.private_note},
        author_id=principal.id,
    )[sealing.SealedField.private_note]
    row = SupportEncounter(
        id=encounter_id,
        request_id=request.id,
        supporter_id=principal.id,
        occurred_at=occurred,
        minutes=data.minutes,
        channel=data.channel.value,
        tier=data.tier,
        outcome=data.outcome.value,
        safety_exception=data.safety_exception,
        note_sealed=sealed,
        note_expires_at=now + timedelta(days=settings.note_days) if sealed else None,
        created_at=now,
    )
    session.add(row)
    record_first_contact(request, occurred)
    if request.status in (RequestStatus.assigned, RequestStatus.contacted):
        request.status = RequestStatus.active.value
    if request.active_at is None:
        request.active_at = now
    if data.safety_exception:
        _raise_safety_exception(session, request, now)
    if data.outcome == EncounterOutcome.follow_up:
        schedule_follow_ups(session, request, occurred.astimezone(resources.zone(session)).date())
    session.add(request)
    session.flush()
    audit_request(session, principal, "support_request.encounter_logged", request)
    return _encounter_read(session, row, principal, with_note=False)


def list_encounters(
    session: Session, principal: Principal, *, request_id: uuid.UUID
) -> list[EncounterRead]:
    request, view = views.load_request(session, principal, request_id)
    if view is not RequestView.requester:
        audit_request(session, principal, "support_request.encounters_read", request)
    rows = session.exec(
        select(SupportEncounter)
        .where(col(SupportEncounter.request_id) == request.id)
        .order_by(col(SupportEncounter.occurred_at), col(SupportEncounter.id))
    ).all()
    sealing.load_keys(
        session, [r.id for r in rows if r.note_sealed and r.supporter_id == principal.id]
    )
    return [_encounter_read(session, r, principal) for r in rows]
