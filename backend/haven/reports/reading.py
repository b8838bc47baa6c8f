"""Reading reports: loading one for a viewer (404 when out of scope, see :mod:`policy`) and
the safety team's own gate, the audit of every read but the reporter's own, and the shape
each viewer gets: the reporter's own list, the triage queue and its counts, the detail view
(reporter, staff involved and high-risk flags only for those allowed), and what the holder
of a receipt sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.core import audit
from haven.core.errors import Forbidden, NotFound
from haven.core.pagination import PageParams, paginate
from haven.core.scoping import S
from haven.core.security import Principal
from haven.org.schemas import Shift
from haven.reports import policy
from haven.reports.models import (
    Lesson,
    LessonReport,
    Report,
    ReportInvolvedStaff,
    ReportRiskFlag,
)
from haven.reports.schemas import (
    EXCERPT_CHARS,
    AnonymousReportView,
    Category,
    ContributingFactor,
    Harm,
    LessonSummary,
    MyReport,
    NccMerp,
    PersonRef,
    ReportKind,
    ReportListItem,
    ReportMode,
    ReportRead,
    ReportStatus,
    ReportStatusCount,
)

_reports: sa.Table = Report.__table__  # type: ignore[attr-defined]

# --- who gets which report -----------------------------------------------------------------


def require_officer(principal: Principal) -> None:
    if not policy.is_safety_officer(principal):
        raise Forbidden("Only the safety team may do this.")


def load_report(session: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    report = session.get(Report, report_id)
    if report is None or not policy.can_view_report(principal, report):
        raise NotFound("No such report.")
    return report


def visible_report_department(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> uuid.UUID | None:
    """The department of a report the principal may see, else ``None`` (also when there is no
    such report). For other domains linking to a report (debriefs, action items): it reads
    nothing confidential, so it writes no audit row."""
    report = session.get(Report, report_id)
    if report is None or not policy.can_view_report(principal, report):
        return None
    return report.department_id


def audit_read(session: Session, principal: Principal, report: Report, action: str) -> None:
    """Audit a read by anyone but the report's own reporter, in every mode: even an
    anonymous report may name the staff involved. Never the anonymous reporter's own reads
    (the row's time would date them); the row names the reader, not the reporter."""
    if principal.kind == "report_session" or policy.is_reporter(principal, report):
        return
    audit.record_event(session, principal, action=action, object_type="report", object_id=report.id)


# --- what is linked to a report ------------------------------------------------------------


def person_refs(session: Session, ids: Iterable[uuid.UUID]) -> list[PersonRef]:
    people = auth_service.users_by_id(session, ids)
    return sorted(
        (PersonRef(id=p.id, display_name=p.display_name) for p in people.values()),
        key=lambda p: p.display_name,
    )


def involved_staff(session: Session, report_id: uuid.UUID) -> list[PersonRef]:
    return person_refs(
        session,
        session.exec(
            select(ReportInvolvedStaff.user_id).where(
                col(ReportInvolvedStaff.report_id) == report_id
            )
        ).all(),
    )


def risk_flags(session: Session, report_id: uuid.UUID) -> list[str]:
    return sorted(
        session.exec(
            select(ReportRiskFlag.scenario).where(col(ReportRiskFlag.report_id) == report_id)
        ).all()
    )


def lessons_for(
    session: Session, report_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[LessonSummary]]:
    ids = list(report_ids)
    found: dict[uuid.UUID, list[LessonSummary]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.exec(
        select(LessonReport.report_id, Lesson)
        .join(Lesson, col(Lesson.id) == col(LessonReport.lesson_id))
        .where(col(LessonReport.report_id).in_(ids))
        .order_by(col(Lesson.published_at))
    ).all()
    for report_id, lesson in rows:
        found[report_id].append(
            LessonSummary(
                id=lesson.id,
                title=lesson.title,
                summary=lesson.summary,
                published_at=lesson.published_at,
            )
        )
    return found


# --- the reporter's own reports ------------------------------------------------------------


def _my_report(report: Report, lessons: list[LessonSummary]) -> MyReport:
    return MyReport(
        id=report.id,
        mode=ReportMode(report.mode),
        kind=ReportKind(report.kind),
        category=Category(report.category),
        harm=Harm(report.harm),
        occurred_on=report.occurred_on,
        department_id=report.department_id,
        description=report.description,
        status=ReportStatus(report.status),
        submitted_on=report.submitted_on,
        outcome_summary=report.outcome_summary,
        not_actionable_reason=report.not_actionable_reason,
        lessons=lessons,
    )


_ORDER = (col(Report.submitted_on), col(Report.id))


def list_my_reports(
    session: Session, principal: Principal, *, params: PageParams
) -> tuple[list[MyReport], str | None]:
    stmt = select(Report).where(col(Report.reporter_id) == principal.id)
    rows, cursor = paginate(session, stmt, keys=_ORDER, params=params, descending=True)
    lessons = lessons_for(session, [r.id for r in rows])
    return [_my_report(r, lessons[r.id]) for r in rows], cursor


def anonymous_report_view(session: Session, principal: Principal) -> AnonymousReportView:
    report = session.get(Report, principal.id) if principal.kind == "report_session" else None
    if report is None:
        raise NotFound("No such report.")
    return AnonymousReportView(
        kind=ReportKind(report.kind),
        category=Category(report.category),
        occurred_on=report.occurred_on,
        description=report.description,
        status=ReportStatus(report.status),
        submitted_on=report.submitted_on,
        outcome_summary=report.outcome_summary,
        not_actionable_reason=report.not_actionable_reason,
        lessons=lessons_for(session, [report.id])[report.id],
    )


# --- the triage queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    status: ReportStatus | None = None
    kind: ReportKind | None = None
    category: Category | None = None
    harm: Harm | None = None
    mode: ReportMode | None = None
    department_id: uuid.UUID | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None


def _filtered(stmt: S, filters: ReportFilters) -> S:
    # Table columns, not ORM attributes: lists are plain Core selects (no ORM compile step).
    for column, value in (
        (_reports.c.status, filters.status),
        (_reports.c.kind, filters.kind),
        (_reports.c.category, filters.category),
        (_reports.c.harm, filters.harm),
        (_reports.c.mode, filters.mode),
    ):
        if value is not None:
            stmt = stmt.where(column == value.value)
    if filters.department_id is not None:
        stmt = stmt.where(_reports.c.department_id == filters.department_id)
    if filters.occurred_from is not None:
        stmt = stmt.where(_reports.c.occurred_on >= filters.occurred_from)
    if filters.occurred_to is not None:
        stmt = stmt.where(_reports.c.occurred_on <= filters.occurred_to)
    return stmt


def _list_item(report: Report) -> ReportListItem:
    return ReportListItem(
        id=report.id,
        mode=ReportMode(report.mode),
        kind=ReportKind(report.kind),
        category=Category(report.category),
        subcategory=report.subcategory,
        harm=Harm(report.harm),
        ncc_merp=NccMerp(report.ncc_merp) if report.ncc_merp else None,
        occurred_on=report.occurred_on,
        shift=Shift(report.shift) if report.shift else None,
        department_id=report.department_id,
        status=ReportStatus(report.status),
        submitted_on=report.submitted_on,
        contributing_factors=[ContributingFactor(f) for f in report.contributing_factors],
        excerpt=report.description[:EXCERPT_CHARS],
        version=report.version,
    )


_LIST_COLUMNS = [
    *(_reports.c[name] for name in ReportListItem.model_fields if name != "excerpt"),
    sa.func.substr(_reports.c.description, 1, EXCERPT_CHARS).label("excerpt"),
]
_LIST_ORDER = (_reports.c.submitted_on, _reports.c.id)
_LIST_ITEMS = TypeAdapter(list[ReportListItem])


def list_reports(
    session: Session, principal: Principal, *, filters: ReportFilters, params: PageParams
) -> tuple[list[ReportListItem], str | None]:
    # Only the list's columns, as plain rows validated in one pass into the response model:
    # the queue is the safety team's most frequent read.
    stmt = policy.scope_reports(_filtered(sa.select(*_LIST_COLUMNS), filters), principal)
    rows, cursor = paginate(session, stmt, keys=_LIST_ORDER, params=params, descending=True)
    return _LIST_ITEMS.validate_python([dict(row._mapping) for row in rows]), cursor


def count_reports_by_status(
    session: Session, principal: Principal, *, filters: ReportFilters
) -> list[ReportStatusCount]:
    grouped = sa.select(_reports.c.status, sa.func.count()).group_by(_reports.c.status)
    scoped = policy.scope_reports(_filtered(grouped, filters), principal)
    counts: dict[str, int] = {row[0]: row[1] for row in session.execute(scoped).all()}
    return [ReportStatusCount(status=s, count=int(counts.get(s.value, 0))) for s in ReportStatus]


# --- one report ----------------------------------------------------------------------------


def report_read(session: Session, principal: Principal, report: Report) -> ReportRead:
    """The detail view, shaped for its viewer (no audit row: the caller writes it)."""
    reporter = None
    if policy.may_see_reporter(principal, report) and report.reporter_id is not None:
        refs = person_refs(session, [report.reporter_id])
        reporter = refs[0] if refs else None
    involved = flags = None
    if policy.is_safety_officer(principal):
        involved = involved_staff(session, report.id)
        flags = risk_flags(session, report.id)
    item = _list_item(report)
    return ReportRead(
        **item.model_dump(),
        location=report.location,
        description=report.description,
        immediate_actions=report.immediate_actions,
        not_actionable_reason=report.not_actionable_reason,
        outcome_summary=report.outcome_summary,
        source=report.source,
        reporter=reporter,
        involved_staff=involved,
        high_risk_scenarios=flags,
        lessons=lessons_for(session, [report.id])[report.id],
        allowed_transitions=policy.allowed_transitions(report.status)
        if policy.is_safety_officer(principal)
        else [],
    )


def get_report(session: Session, principal: Principal, *, report_id: uuid.UUID) -> ReportRead:
    report = load_report(session, principal, report_id)
    audit_read(session, principal, report, "report.read")
    return report_read(session, principal, report)
