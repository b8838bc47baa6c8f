"""The blame-free record of a debrief: the ground rules agreed (the statement stored as it
was agreed), what happened as system events, what went well and what was hard, the
contributing system factors, what was learned, and whether support was offered. It has its
own version, apart from the debrief's."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from haven.core import clock
from haven.core.errors import Unprocessable, field_error
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.core.versioning import require_if_match
from haven.debriefs import policy
from haven.debriefs.loading import audit_debrief, load_to_run, record_of, status_of
from haven.debriefs.models import DebriefRecord
from haven.debriefs.schemas import (
    DebriefRecordRead,
    DebriefRecordWrite,
    DebriefStatus,
    GroundRules,
)
from haven.reports.schemas import ContributingFactor


def record_read(record: DebriefRecord) -> DebriefRecordRead:
    text = (
        record.ground_rules_text
        if record.ground_rules_acknowledged and record.ground_rules_text
        else get_settings().debriefs.ground_rules_text
    )
    return DebriefRecordRead(
        ground_rules=GroundRules(
            acknowledged=record.ground_rules_acknowledged,
            text=text,
            acknowledged_at=record.ground_rules_acknowledged_at,
        ),
        events=list(record.events),
        went_well=record.went_well,
        was_hard=record.was_hard,
        contributing_factors=[ContributingFactor(f) for f in record.contributing_factors],
        learnings=record.learnings,
        support_offered=record.support_offered,
        version=record.version,
        updated_at=record.updated_at,
    )


def save_record(
    session: Session,
    principal: Principal,
    *,
    debrief_id: uuid.UUID,
    data: DebriefRecordWrite,
    if_match: str | None,
) -> DebriefRecordRead:
    debrief = load_to_run(
        session,
        principal,
        debrief_id,
        open_in=policy.RECORD_OPEN,
        refusal="The record of a {status} debrief is final.",
    )
    status = status_of(debrief)
    record = record_of(session, debrief)
    require_if_match(if_match, record.version)
    factors = [f.value for f in dict.fromkeys(data.contributing_factors)]
    if status == DebriefStatus.summarized:
        errors = []
        if not data.ground_rules_acknowledged:
            errors.append(
                field_error("ground_rules_acknowledged", "A summarised record keeps this agreed.")
            )
        if not factors:
            errors.append(
                field_error("contributing_factors", "A summarised record names at least one.")
            )
        if errors:
            raise Unprocessable("The summary would lose what it needs.", errors=errors)
    now = clock.now()
    if data.ground_rules_acknowledged and not record.ground_rules_acknowledged:
        # Stored as agreed: a later change of the configured statement leaves this one alone.
        record.ground_rules_text = get_settings().debriefs.ground_rules_text
        record.ground_rules_acknowledged_at = now
    elif not data.ground_rules_acknowledged:
        record.ground_rules_text = None
        record.ground_rules_acknowledged_at = None
    record.ground_rules_acknowledged = data.ground_rules_acknowledged
    record.events = list(data.events)
    record.went_well = data.went_well or None
    record.was_hard = data.was_hard or None
    record.contributing_factors = factors
    record.learnings = data.learnings or None
    record.support_offered = data.support_offered
    record.updated_at = now
    session.add(record)
    session.flush()
    audit_debrief(session, principal, "debrief.record_saved", debrief.id)
    return record_read(record)
