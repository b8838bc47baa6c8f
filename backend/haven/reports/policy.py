"""Who may see which report, and whose identity: pure functions over the principal.

* safety officers: every report, and the reporter of named and confidential ones;
* department leads: their department's reports, and the reporter of named ones only;
* service accounts with ``reports:read``: every report, never an identity;
* everybody else: only their own reports, through ``/reports/mine``;
* nobody: anything of an anonymous reporter (nothing is stored to show).
"""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import false

from haven.auth.schemas import Role, Scope
from haven.core.security import Principal
from haven.reports.models import Report
from haven.reports.schemas import ReportMode, ReportStatus


class _Filterable(Protocol):
    def where(self, *whereclause: Any) -> Self: ...


S = TypeVar("S", bound=_Filterable)
_reports = Report.__table__  # type: ignore[attr-defined]

TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.submitted: frozenset({ReportStatus.triaged, ReportStatus.not_actionable}),
    ReportStatus.triaged: frozenset({ReportStatus.under_review, ReportStatus.not_actionable}),
    ReportStatus.under_review: frozenset({ReportStatus.action_planned}),
    ReportStatus.action_planned: frozenset({ReportStatus.closed}),
    ReportStatus.closed: frozenset(),
    ReportStatus.not_actionable: frozenset(),
}


def is_safety_officer(principal: Principal) -> bool:
    return principal.has_role(Role.safety_officer)


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
    return (
        principal.has_role(Role.department_lead)
        and principal.department_id is not None
        and report.department_id == principal.department_id
    )


def may_see_reporter(principal: Principal, report: Report) -> bool:
    if report.mode == ReportMode.anonymous or report.reporter_id is None:
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
