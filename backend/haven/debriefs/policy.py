"""Who may do what with debriefs and action items, the workflows, and the RCA² hierarchy:
pure functions over the principal and a few facts about the record.

* A debrief is **run** by: safety officers (any department), the department's lead, its
  facilitator, and, for an ``open_forum``, support coordinators (they schedule open forums
  for hotspots, and run the peer-support programme, not investigations).
* It is **read** by those who run it and by the people invited to it.
* Scheduling: safety officers any kind anywhere; department leads any kind in their own
  department; support coordinators an ``open_forum`` in any department. Nobody else.
* An action item is **managed** by safety officers, the lead of its department and whoever
  runs its debrief; its **owner** may move it along (never to ``verified``: effectiveness is
  checked by someone who manages it). It is **read** by those, and by the debrief's
  participants.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from haven.auth.schemas import Role
from haven.auth.service import is_safety_officer, leads_department
from haven.core.scoping import S
from haven.core.security import Principal
from haven.debriefs.models import ActionItem, Debrief, DebriefParticipant
from haven.debriefs.schemas import (
    ActionCategory,
    ActionStatus,
    ActionStrength,
    DebriefKind,
    DebriefStatus,
)


@dataclass(frozen=True)
class DebriefFacts:
    department_id: uuid.UUID
    facilitator_id: uuid.UUID
    kind: DebriefKind


# --- workflows -------------------------------------------------------------------------

TRANSITIONS: dict[DebriefStatus, frozenset[DebriefStatus]] = {
    DebriefStatus.scheduled: frozenset({DebriefStatus.held, DebriefStatus.cancelled}),
    DebriefStatus.held: frozenset({DebriefStatus.summarized}),
    DebriefStatus.summarized: frozenset({DebriefStatus.closed}),
    DebriefStatus.closed: frozenset(),
    DebriefStatus.cancelled: frozenset(),
}
# Where the record may still be written, action items added, participants invited.
RECORD_OPEN = frozenset({DebriefStatus.scheduled, DebriefStatus.held, DebriefStatus.summarized})
ACTIONS_OPEN = frozenset({DebriefStatus.held, DebriefStatus.summarized})
INVITES_OPEN = frozenset({DebriefStatus.scheduled, DebriefStatus.held})
FEEDBACK_OPEN = frozenset({DebriefStatus.held, DebriefStatus.summarized})

ACTION_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.open: frozenset({ActionStatus.in_progress, ActionStatus.done}),
    ActionStatus.in_progress: frozenset({ActionStatus.open, ActionStatus.done}),
    ActionStatus.done: frozenset({ActionStatus.in_progress, ActionStatus.verified}),
    ActionStatus.verified: frozenset(),
}
STILL_TO_DO = frozenset({ActionStatus.open, ActionStatus.in_progress})


def allowed_transitions(status: DebriefStatus) -> list[DebriefStatus]:
    return sorted(TRANSITIONS[status])


# --- the RCA² action hierarchy ---------------------------------------------------------


@dataclass(frozen=True)
class CategoryInfo:
    strength: ActionStrength
    label: str
    example: str


_C, _S = ActionCategory, ActionStrength
HIERARCHY: dict[ActionCategory, CategoryInfo] = {
    _C.architectural_change: CategoryInfo(
        _S.stronger,
        "Architectural or physical change",
        "Move the look-alike vials to separate, locked drawers.",
    ),
    _C.forcing_function: CategoryInfo(
        _S.stronger,
        "Forcing function",
        "Enteral syringes that cannot connect to an IV line.",
    ),
    _C.simplify_process: CategoryInfo(
        _S.stronger,
        "Simplify the process",
        "Remove unnecessary steps from the transfer paperwork.",
    ),
    _C.standardize_equipment_or_process: CategoryInfo(
        _S.stronger,
        "Standardise equipment or process",
        "One model of infusion pump across all wards.",
    ),
    _C.tangible_leadership_involvement: CategoryInfo(
        _S.stronger,
        "Tangible involvement by leadership",
        "Leaders fund and join weekly safety rounds on the unit.",
    ),
    _C.redundancy: CategoryInfo(
        _S.intermediate,
        "Redundancy",
        "A second, independent alarm on the monitor.",
    ),
    _C.staffing_or_workload_change: CategoryInfo(
        _S.intermediate,
        "Increase staffing or reduce workload",
        "A float nurse on nights when census is above 20.",
    ),
    _C.software_enhancement: CategoryInfo(
        _S.intermediate,
        "Software enhancement",
        "A hard stop in the ordering system for duplicate anticoagulants.",
    ),
    _C.eliminate_distractions: CategoryInfo(
        _S.intermediate,
        "Eliminate or reduce distractions",
        "A no-interruption zone around medication preparation.",
    ),
    _C.simulation_training: CategoryInfo(
        _S.intermediate,
        "Simulation-based training with refreshers",
        "Quarterly in-situ simulation of the deteriorating-patient call.",
    ),
    _C.checklist_or_cognitive_aid: CategoryInfo(
        _S.intermediate,
        "Checklist or cognitive aid",
        "A laminated crash-cart checklist at each bay.",
    ),
    _C.eliminate_look_and_sound_alikes: CategoryInfo(
        _S.intermediate,
        "Eliminate look-alikes and sound-alikes",
        "Tall-man lettering and separate storage for similar drug names.",
    ),
    _C.standardized_communication_tool: CategoryInfo(
        _S.intermediate,
        "Standardised communication tool",
        "SBAR handover with read-back for critical results.",
    ),
    _C.enhanced_documentation: CategoryInfo(
        _S.intermediate,
        "Enhanced documentation or communication",
        "Allergy status shown on the bed board and the chart header.",
    ),
    _C.double_check: CategoryInfo(
        _S.weaker,
        "Double check",
        "A second nurse checks every insulin dose.",
    ),
    _C.warning: CategoryInfo(
        _S.weaker,
        "Warning or label",
        "A caution sticker on the pump.",
    ),
    _C.new_policy_or_procedure: CategoryInfo(
        _S.weaker,
        "New policy, procedure or memo",
        "A memo reminding staff of the transfer policy.",
    ),
    _C.training: CategoryInfo(
        _S.weaker,
        "Training",
        "An e-learning module on the new protocol.",
    ),
    _C.further_study: CategoryInfo(
        _S.weaker,
        "Further study or analysis",
        "Audit the next 50 handovers before deciding.",
    ),
}


def strength_of(category: ActionCategory) -> ActionStrength:
    return HIERARCHY[category].strength


# --- debriefs --------------------------------------------------------------------------


def may_schedule(principal: Principal, kind: DebriefKind, department_id: uuid.UUID) -> bool:
    if is_safety_officer(principal) or leads_department(principal, department_id):
        return True
    return kind == DebriefKind.open_forum and principal.has_role(Role.support_coordinator)


def may_pick_people(principal: Principal) -> bool:
    """Whether the principal schedules debriefs at all (so looks people up to invite)."""
    return principal.has_role(Role.safety_officer, Role.department_lead, Role.support_coordinator)


def may_run(principal: Principal, facts: DebriefFacts) -> bool:
    if principal.kind != "user":
        return False
    return (
        is_safety_officer(principal)
        or leads_department(principal, facts.department_id)
        or principal.id == facts.facilitator_id
        or (facts.kind == DebriefKind.open_forum and principal.has_role(Role.support_coordinator))
    )


def may_read(principal: Principal, facts: DebriefFacts, *, is_participant: bool) -> bool:
    return may_run(principal, facts) or (principal.kind == "user" and is_participant)


def _invited(principal: Principal) -> Any:
    return select(DebriefParticipant.debrief_id).where(
        col(DebriefParticipant.user_id) == principal.id
    )


def takes_part(principal: Principal) -> Any:
    """The condition on ``Debrief`` columns that the principal facilitates it or is invited."""
    return sa.or_(
        col(Debrief.facilitator_id) == principal.id, col(Debrief.id).in_(_invited(principal))
    )


def _run_or_invited(principal: Principal) -> list[Any]:
    """Conditions on ``Debrief`` columns under which the principal may read a debrief."""
    conditions: list[Any] = [
        col(Debrief.facilitator_id) == principal.id,
        col(Debrief.id).in_(_invited(principal)),
    ]
    if principal.has_role(Role.department_lead) and principal.department_id is not None:
        conditions.append(col(Debrief.department_id) == principal.department_id)
    if principal.has_role(Role.support_coordinator):
        conditions.append(col(Debrief.kind) == DebriefKind.open_forum.value)
    return conditions


def scope_debriefs(stmt: S, principal: Principal) -> S:
    """Restrict a query on debriefs to what the principal may read."""
    if principal.kind != "user":
        return stmt.where(sa.false())
    if is_safety_officer(principal):
        return stmt
    return stmt.where(sa.or_(*_run_or_invited(principal)))


# --- action items ----------------------------------------------------------------------


def may_manage_action(
    principal: Principal, department_id: uuid.UUID, source: DebriefFacts | None
) -> bool:
    if principal.kind != "user":
        return False
    if is_safety_officer(principal) or leads_department(principal, department_id):
        return True
    return source is not None and may_run(principal, source)


def statuses_for(
    principal: Principal, *, status: ActionStatus, owner_id: uuid.UUID, manages: bool
) -> list[ActionStatus]:
    """Statuses the principal may move an item to from ``status``."""
    nexts = ACTION_TRANSITIONS[status]
    if manages:
        return sorted(nexts)
    if principal.kind == "user" and principal.id == owner_id:
        return sorted(nexts - {ActionStatus.verified})
    return []


def scope_actions(stmt: S, principal: Principal) -> S:
    """Restrict a query on action items to what the principal may read."""
    if principal.kind != "user":
        return stmt.where(sa.false())
    if is_safety_officer(principal):
        return stmt
    readable_debriefs = select(Debrief.id).where(sa.or_(*_run_or_invited(principal)))
    conditions: list[Any] = [
        col(ActionItem.owner_id) == principal.id,
        col(ActionItem.debrief_id).in_(readable_debriefs),
    ]
    if principal.has_role(Role.department_lead) and principal.department_id is not None:
        conditions.append(col(ActionItem.department_id) == principal.department_id)
    return stmt.where(sa.or_(*conditions))
