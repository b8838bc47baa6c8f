"""Which departments' figures a principal may see: pure functions.

* safety officers, support coordinators and admins: every department;
* department leads: their own department;
* everybody else on the staff: the organisation-wide figures only.

Whatever the scope, figures are suppressed over the whole organisation first (see
``suppression``) and only then cut down to what the caller may see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from haven.auth.schemas import Role
from haven.core.security import Principal

ALL_DEPARTMENTS = (Role.safety_officer, Role.support_coordinator, Role.admin)


@dataclass(frozen=True)
class InsightScope:
    all_departments: bool
    departments: frozenset[uuid.UUID]

    def sees(self, department_id: uuid.UUID | None) -> bool:
        """Department rows (``None``: people without a department) the caller may see;
        the organisation-wide row is always visible."""
        if self.all_departments:
            return True
        return department_id is not None and department_id in self.departments

    @property
    def organisation_only(self) -> bool:
        return not self.all_departments and not self.departments


def scope_for(principal: Principal) -> InsightScope:
    if principal.has_role(*ALL_DEPARTMENTS):
        return InsightScope(all_departments=True, departments=frozenset())
    if principal.has_role(Role.department_lead) and principal.department_id is not None:
        return InsightScope(all_departments=False, departments=frozenset({principal.department_id}))
    return InsightScope(all_departments=False, departments=frozenset())
