"""The staff involved in an event and its high-risk flags (safety officers only), and the
outreach this side hands to support: when the event is serious (harm moderate or worse, or
a high-risk scenario), naming staff offers each of them support. Support decides what to do
and tells this side nothing (DESIGN.md, "Proactive outreach").
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from haven.auth import service as auth_service
from haven.core import audit
from haven.core.errors import Unprocessable, field_error
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.reports.models import Report, ReportInvolvedStaff, ReportRiskFlag
from haven.reports.reading import (
    audit_read,
    involved_staff,
    load_report,
    require_officer,
    risk_flags,
)
from haven.reports.schemas import (
    SERIOUS_HARM,
    Harm,
    HighRiskScenarioRead,
    InvolvedStaffRead,
    InvolvedStaffUpdate,
    StaffCandidate,
)
from haven.support import service as support_service


def high_risk_scenarios() -> list[HighRiskScenarioRead]:
    return [
        HighRiskScenarioRead(code=s.code, label=s.label)
        for s in get_settings().reports.high_risk_scenarios
    ]


def is_outreach_eligible(harm: Harm, flags: Sequence[str]) -> bool:
    return harm in SERIOUS_HARM or bool(flags)


def _involved_read(session: Session, report: Report) -> InvolvedStaffRead:
    flags = risk_flags(session, report.id)
    return InvolvedStaffRead(
        staff=involved_staff(session, report.id),
        high_risk_scenarios=flags,
        outreach_eligible=is_outreach_eligible(Harm(report.harm), flags),
    )


def get_involved_staff(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> InvolvedStaffRead:
    require_officer(principal)
    report = load_report(session, principal, report_id)
    audit_read(session, principal, report, "report.involved_staff_read")
    return _involved_read(session, report)


def set_involved_staff(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: InvolvedStaffUpdate
) -> InvolvedStaffRead:
    require_officer(principal)
    report = load_report(session, principal, report_id)
    known_codes = {s.code for s in get_settings().reports.high_risk_scenarios}
    errors = [
        field_error(f"high_risk_scenarios.{i}", "Not a configured high-risk scenario.")
        for i, code in enumerate(data.high_risk_scenarios)
        if code not in known_codes
    ]
    people = auth_service.users_by_id(session, data.staff_ids)
    errors += [
        field_error(f"staff_ids.{i}", "No active person with this id.")
        for i, person_id in enumerate(data.staff_ids)
        if person_id not in people or not people[person_id].is_active
    ]
    if errors:
        raise Unprocessable("Some of the named staff or scenarios are not known.", errors=errors)
    session.execute(
        sa.delete(ReportInvolvedStaff).where(col(ReportInvolvedStaff.report_id) == report.id)
    )
    session.execute(sa.delete(ReportRiskFlag).where(col(ReportRiskFlag.report_id) == report.id))
    for person_id in dict.fromkeys(data.staff_ids):
        session.add(ReportInvolvedStaff(report_id=report.id, user_id=person_id))
    for code in dict.fromkeys(data.high_risk_scenarios):
        session.add(ReportRiskFlag(report_id=report.id, scenario=code))
    session.flush()
    audit.record_event(
        session,
        principal,
        action="report.involved_staff_set",
        object_type="report",
        object_id=report.id,
    )
    staff_ids = list(dict.fromkeys(data.staff_ids))
    if staff_ids and is_outreach_eligible(Harm(report.harm), list(data.high_risk_scenarios)):
        # Support decides what to do and tells this side nothing (DESIGN.md, "Proactive
        # outreach"); the opaque key only lets it avoid a second task for the same person.
        support_service.offer_outreach(
            session,
            principal,
            person_ids=staff_ids,
            involved_ids=staff_ids,
            event_key=_outreach_event_key(report.id),
        )
    return _involved_read(session, report)


def staff_candidates(
    session: Session, principal: Principal, *, report_id: uuid.UUID, query: str, limit: int
) -> list[StaffCandidate]:
    """Active people by name, for naming the staff involved in this report. Safety officers
    may not list users (that is an admin's screen), so this is their one way to find them."""
    require_officer(principal)
    load_report(session, principal, report_id)
    people = auth_service.search_active_users(session, name_contains=query, limit=limit)
    return [
        StaffCandidate(id=p.id, display_name=p.display_name, department_id=p.department_id)
        for p in people
    ]


def _outreach_event_key(report_id: uuid.UUID) -> str:
    """An opaque per-event key for support: an HMAC of the report id, which support cannot
    turn back into the report."""
    key = hashlib.sha256(b"haven.reports.outreach-event|" + get_settings().signing_key().encode())
    return hmac.new(key.digest(), report_id.bytes, hashlib.sha256).hexdigest()
