"""Triage: the safety team reclassifies a report (the field rules of :mod:`fields` still
hold; the reporter's own words are never edited) and moves it through the workflow
(``policy.TRANSITIONS``; anything else 409, a not-actionable report needs a reason the
reporter sees). Every change needs If-Match and is audited.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from haven.core import audit
from haven.core.errors import Conflict, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.reports import policy
from haven.reports.fields import EventFields, check_event_fields
from haven.reports.reading import load_report, report_read, require_officer
from haven.reports.schemas import (
    Category,
    Harm,
    NccMerp,
    ReportKind,
    ReportRead,
    ReportStatus,
    ReportTransition,
    ReportUpdate,
)

_REQUIRED_ON_REPORT = ("kind", "category", "harm", "department_id", "contributing_factors")


def update_report(
    session: Session,
    principal: Principal,
    *,
    report_id: uuid.UUID,
    data: ReportUpdate,
    if_match: str | None,
) -> ReportRead:
    require_officer(principal)
    report = load_report(session, principal, report_id)
    require_if_match(if_match, report.version)
    changes = data.model_dump(exclude_unset=True, mode="json")
    # The schema lets every field be omitted; an explicit null may only clear a field that
    # is optional on the report itself.
    nulled = [name for name in _REQUIRED_ON_REPORT if name in changes and changes[name] is None]
    if nulled:
        raise Unprocessable(
            "Some fields cannot be cleared.",
            errors=[field_error(name, "Cannot be null.") for name in nulled],
        )
    merged = EventFields(
        kind=ReportKind(changes.get("kind", report.kind)),
        category=Category(changes.get("category", report.category)),
        subcategory=changes.get("subcategory", report.subcategory),
        harm=Harm(changes.get("harm", report.harm)),
        ncc_merp=NccMerp(changes["ncc_merp"])
        if changes.get("ncc_merp")
        else (
            None
            if "ncc_merp" in changes
            else (NccMerp(report.ncc_merp) if report.ncc_merp else None)
        ),
        department_id=uuid.UUID(str(changes.get("department_id", report.department_id))),
    )
    check_event_fields(session, merged, None)
    for name, value in changes.items():
        if name == "department_id":
            value = uuid.UUID(str(value))
        setattr(report, name, value)
    session.add(report)
    session.flush()
    audit.record_event(
        session, principal, action="report.triaged", object_type="report", object_id=report.id
    )
    return report_read(session, principal, report)


def transition_report(
    session: Session,
    principal: Principal,
    *,
    report_id: uuid.UUID,
    data: ReportTransition,
    if_match: str | None,
) -> ReportRead:
    require_officer(principal)
    report = load_report(session, principal, report_id)
    require_if_match(if_match, report.version)
    current = ReportStatus(report.status)
    if data.to not in policy.TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in policy.allowed_transitions(current)) or "none"
        raise Conflict(
            f"A {current.value} report cannot move to {data.to.value} (allowed: {allowed}).",
            errors=[field_error("to", "Not allowed from the current status.")],
        )
    if data.to == ReportStatus.not_actionable:
        if not data.reason or not data.reason.strip():
            raise Unprocessable(
                "Say why the report is not actionable; the reporter will see it.",
                errors=[field_error("reason", "Required when marking not actionable.")],
            )
        report.not_actionable_reason = data.reason.strip()
    report.status = data.to.value
    session.add(report)
    session.flush()
    audit.record_event(
        session,
        principal,
        action=f"report.status.{data.to.value}",
        object_type="report",
        object_id=report.id,
    )
    return report_read(session, principal, report)
