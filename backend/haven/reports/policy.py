"""Who may see which report, and whose identity: pure functions over the principal.

* safety officers: every report, and the reporter of named and confidential ones;
* department leads: their department's reports, and the reporter of named ones only;
* service accounts with ``reports:read``: every report, never an identity;
* everybody else: only their own reports, through ``/reports/mine``;
* nobody: anything of an anonymous reporter (nothing is stored to show).
"""

from __future__ import annotations

from sqlalchemy import false

from haven.auth.schemas import Role, Scope
from haven.auth.service import is_safety_officer as is_safety_officer
from haven.auth.service import leads_department
from haven.core.scoping import S
from haven.core.security import Principal
from haven.reports.models import Report
from haven.reports.schemas import ReportMode, ReportStatus

_reports = Report.__table__  # type: ignore[attr-defined]

TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.submitted: frozenset({ReportStatus.triaged, ReportStatus.not_actionable}),
    ReportStatus.triaged: frozenset({ReportStatus.under_review, ReportStatus.not_actionable}),
    ReportStatus.under_review: frozenset({ReportStatus.action_planned}),
    ReportStatus.action_planned: frozenset({ReportStatus.closed}),
    ReportStatus.closed: frozenset(),
    ReportStatus.not_actionable: frozenset(),
}


def can_read_all(principal: Principal) -> bool:
    if principal.kind == "api_key":
        return Scope.reports_read.value in principal.scopes
    return is_safety_officer(principal)


def scope_reports(stmt: S, principal: Principal) -> S:
    """Restrict a query on reports to what the principal may list."""
    if can_read_all(principal):
        return stmt
    if principal.has_role(Role.department_lead) and principal.department_id is not None:
        return stmt.where(_reports.c.department_id == principal.department_id)
    return stmt.where(false())


def can_view_report(principal: Principal, report: Report) -> bool:
    if can_read_all(principal):
        return True
    return leads_department(principal, report.department_id)


def may_see_reporter(principal: Principal, report: Report) -> bool:
    if not is_identified(report):
        return False
    if is_safety_officer(principal):
        return True
    if report.mode == ReportMode.named and principal.has_role(Role.department_lead):
        return (
            principal.department_id is not None and principal.department_id == report.department_id
        )
    return False


def is_identified(report: Report) -> bool:
    return report.mode != ReportMode.anonymous and report.reporter_id is not None


def is_reporter(principal: Principal, report: Report) -> bool:
    return principal.kind == "user" and report.reporter_id == principal.id


def is_session_for(principal: Principal, report: Report) -> bool:
    return principal.kind == "report_session" and principal.id == report.id


def can_message(principal: Principal, report: Report) -> bool:
    """The reporter (or the anonymous report's session) and safety officers."""
    return (
        is_reporter(principal, report)
        or is_session_for(principal, report)
        or is_safety_officer(principal)
    )


def allowed_transitions(status: str) -> list[ReportStatus]:
    return sorted(TRANSITIONS[ReportStatus(status)])
