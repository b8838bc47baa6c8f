"""Submitting a report: named and confidential by a signed-in person or a service account,
anonymous by nobody at all, and the offer of peer support after a serious event.

Anonymous submissions go through :func:`submit_anonymous_report`, which takes no
principal at all: it cannot store who called, and writes no audit row (an audit row's
precise time and sequence would date the submission).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import audit, clock
from haven.core.errors import Unprocessable, field_error
from haven.core.security import Principal
from haven.org import service as org_service
from haven.reports.fields import EventFields, check_event_fields
from haven.reports.models import Report, ReportSubcategory
from haven.reports.receipts import new_receipt, stored_receipt
from haven.reports.schemas import (
    SERIOUS_HARM,
    AnonymousFormDepartment,
    AnonymousFormSubcategory,
    AnonymousReportCreate,
    AnonymousReportCreated,
    AnonymousReportForm,
    Category,
    Harm,
    ReportCreate,
    ReportCreated,
    ReportMode,
    ReportStatus,
    SupportOffer,
)

SUPPORT_OFFER_MESSAGE = (
    "Events like this can weigh on anyone involved. A trained peer supporter can talk with "
    "you, confidentially, usually within hours. Nothing you say there reaches this report."
)


def _support_offer(harm: Harm) -> SupportOffer:
    if harm in SERIOUS_HARM:
        return SupportOffer(offered=True, message=SUPPORT_OFFER_MESSAGE)
    return SupportOffer(offered=False)


def submit_report(session: Session, principal: Principal, *, data: ReportCreate) -> ReportCreated:
    """A named or confidential report by a signed-in person (or a service account)."""
    if data.mode == ReportMode.anonymous:
        raise Unprocessable(
            "Anonymous reports are sent to /api/v1/anonymous/reports, which stores no identity.",
            errors=[field_error("mode", "Use the anonymous endpoint.")],
        )
    check_event_fields(session, EventFields.of(data), data.occurred_on)
    values = _new_report_values(data)
    values.update(
        mode=data.mode.value,
        reporter_id=principal.user_id,
        source="web" if principal.kind == "user" else "integration",
    )
    # A Core insert: the product's hot path pays for no ORM unit of work.
    session.connection().execute(_INSERT_REPORT, values)
    audit.record_event(
        session, principal, action="report.submitted", object_type="report", object_id=values["id"]
    )
    return ReportCreated(
        id=values["id"],
        mode=data.mode,
        kind=data.kind,
        category=data.category,
        harm=data.harm,
        occurred_on=data.occurred_on,
        department_id=data.department_id,
        description=data.description,
        status=ReportStatus.submitted,
        submitted_on=values["submitted_on"],
        outcome_summary=None,
        lessons=[],
        support=_support_offer(data.harm),
    )


_reports: sa.Table = Report.__table__  # type: ignore[attr-defined]
_INSERT_REPORT = sa.insert(_reports)


def _new_report_values(data: ReportCreate | AnonymousReportCreate) -> dict[str, Any]:
    """Column values of a new report from what the reporter sent, server-owned fields set."""
    return {
        "id": uuid.uuid4(),
        "kind": data.kind.value,
        "category": data.category.value,
        "subcategory": data.subcategory,
        "harm": data.harm.value,
        "ncc_merp": data.ncc_merp.value if data.ncc_merp else None,
        "occurred_on": data.occurred_on,
        "shift": data.shift.value if data.shift else None,
        "department_id": data.department_id,
        "location": data.location,
        "description": data.description,
        "immediate_actions": data.immediate_actions,
        "contributing_factors": [f.value for f in data.contributing_factors],
        "status": ReportStatus.submitted.value,
        "not_actionable_reason": None,
        "outcome_summary": None,
        "submitted_on": clock.today(),
        "receipt_locator": None,
        "receipt_hash": None,
        "version": 1,
    }


def anonymous_submission_allowed_without_account(session: Session) -> bool:
    return org_service.get_organisation(session).allow_anonymous_without_account


def anonymous_report_form(session: Session) -> AnonymousReportForm:
    """What the anonymous form offers (active departments and subcategories), for the quiet
    anonymous path: the form's data must not come from a signed-in request."""
    names = org_service.department_names(session, org_service.active_department_ids(session))
    subcategories = session.exec(
        select(ReportSubcategory.category, ReportSubcategory.name)
        .where(col(ReportSubcategory.is_active).is_(True))
        .order_by(col(ReportSubcategory.category), col(ReportSubcategory.name))
    ).all()
    return AnonymousReportForm(
        allow_without_account=anonymous_submission_allowed_without_account(session),
        departments=[
            AnonymousFormDepartment(id=id_, name=name)
            for id_, name in sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
        ],
        subcategories=[
            AnonymousFormSubcategory(category=Category(category), name=name)
            for category, name in subcategories
        ],
    )


def submit_anonymous_report(
    session: Session, *, data: AnonymousReportCreate
) -> AnonymousReportCreated:
    """Store an anonymous report: no principal is even passed in. Returns the receipt once."""
    check_event_fields(session, EventFields.of(data), data.occurred_on)
    raw, shown = new_receipt()
    values = _new_report_values(data)
    values.update(
        mode=ReportMode.anonymous.value,
        reporter_id=None,
        source="anonymous",
        **stored_receipt(raw),
    )
    session.connection().execute(_INSERT_REPORT, values)
    return AnonymousReportCreated(
        receipt=shown,
        status=ReportStatus.submitted,
        submitted_on=values["submitted_on"],
        support=_support_offer(data.harm),
    )
