"""Which answers about an event fit together: the rules a report's kind, category, harm, NCC
MERP index, date, subcategory and department are held to, on submission and on triage alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.errors import FieldError, Unprocessable, field_error
from haven.org import service as org_service
from haven.reports.models import ReportSubcategory
from haven.reports.schemas import (
    AnonymousReportCreate,
    Category,
    Harm,
    NccMerp,
    ReportCreate,
    ReportKind,
)

OLDEST_EVENT = timedelta(days=3653)

_NCC_BY_KIND: dict[ReportKind, frozenset[NccMerp]] = {
    ReportKind.incident: frozenset(NccMerp(c) for c in "CDEFGHI"),
    ReportKind.near_miss: frozenset(NccMerp(c) for c in "AB"),
    ReportKind.unsafe_condition: frozenset({NccMerp.A}),
    ReportKind.good_catch_or_excellence: frozenset(NccMerp(c) for c in "AB"),
}
_NO_HARM_KINDS = frozenset(
    {ReportKind.near_miss, ReportKind.unsafe_condition, ReportKind.good_catch_or_excellence}
)


@dataclass(frozen=True)
class EventFields:
    kind: ReportKind
    category: Category
    subcategory: str | None
    harm: Harm
    ncc_merp: NccMerp | None
    department_id: uuid.UUID

    @classmethod
    def of(cls, data: ReportCreate | AnonymousReportCreate) -> EventFields:
        """The fields of a new report, as the reporter sent them."""
        return cls(
            data.kind, data.category, data.subcategory, data.harm, data.ncc_merp, data.department_id
        )


def check_event_fields(session: Session, fields: EventFields, occurred_on: date | None) -> None:
    errors: list[FieldError] = []
    if fields.category == Category.medication:
        if fields.ncc_merp is None:
            errors.append(
                field_error("ncc_merp", "Required for medication events (NCC MERP A to I).")
            )
        elif NccMerp(fields.ncc_merp) not in _NCC_BY_KIND[fields.kind]:
            allowed = ", ".join(sorted(_NCC_BY_KIND[fields.kind]))
            errors.append(field_error("ncc_merp", f"For this kind of event use {allowed}."))
    elif fields.ncc_merp is not None:
        errors.append(field_error("ncc_merp", "Only medication events carry an NCC MERP index."))
    if fields.kind in _NO_HARM_KINDS and fields.harm not in (Harm.none, Harm.unknown):
        errors.append(
            field_error("harm", "This kind of event did not reach the patient: none or unknown.")
        )
    if occurred_on is not None:
        today = clock.today()
        # A day of leeway: the reporter's local date may already be tomorrow in UTC terms.
        if occurred_on > today + timedelta(days=1):
            errors.append(field_error("occurred_on", "Cannot be in the future."))
        elif occurred_on < today - OLDEST_EVENT:
            errors.append(
                field_error("occurred_on", "Events older than ten years are not accepted.")
            )
    if fields.subcategory is not None:
        known = session.exec(
            select(ReportSubcategory.id).where(
                col(ReportSubcategory.category) == fields.category.value,
                col(ReportSubcategory.name) == fields.subcategory,
                col(ReportSubcategory.is_active).is_(True),
            )
        ).first()
        if known is None:
            errors.append(field_error("subcategory", "Not a subcategory of this category."))
    if errors:
        raise Unprocessable("Some answers do not fit together.", errors=errors)
    org_service.require_active_department(session, fields.department_id)
