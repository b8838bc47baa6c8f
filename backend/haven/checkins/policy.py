"""Who may record and read staffing figures: pure functions over the principal."""

from __future__ import annotations

import uuid

from sqlalchemy import false
from sqlmodel import col

from haven.auth.schemas import Role, Scope
from haven.auth.service import leads_department
from haven.checkins.models import StaffingShift
from haven.core.scoping import S
from haven.core.security import Principal

# Staffing is operational data, not confidential: the roles that run the hospital's support
# and safety work read every department's.
STAFFING_READERS_ALL = (Role.safety_officer, Role.support_coordinator, Role.admin)


def is_staffing_system(principal: Principal) -> bool:
    return principal.kind == "api_key" and Scope.staffing_write.value in principal.scopes


def can_record_staffing(principal: Principal, department_id: uuid.UUID) -> bool:
    """A staffing system's key for any department; a department lead for their own."""
    return is_staffing_system(principal) or leads_department(principal, department_id)


def reads_all_staffing(principal: Principal) -> bool:
    return is_staffing_system(principal) or principal.has_role(*STAFFING_READERS_ALL)


def scope_shifts(stmt: S, principal: Principal) -> S:
    if reads_all_staffing(principal):
        return stmt
    if principal.has_role(Role.department_lead) and principal.department_id is not None:
        return stmt.where(col(StaffingShift.department_id) == principal.department_id)
    return stmt.where(false())


def can_view_shift(principal: Principal, shift: StaffingShift) -> bool:
    return reads_all_staffing(principal) or leads_department(principal, shift.department_id)
