"""Action items: created on a held debrief or on a report, read and changed by those who
manage them (their owner may move the status along, never to ``verified``). A strength is
never typed: it follows from the RCA² category (``policy.HIERARCHY``); ``verified`` needs a
note on how effectiveness was checked; ``done_at`` is set on completion and cleared when an
item is reopened. The lists live in ``action_lists``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import Session, col, select

from haven.core import audit, clock
from haven.core.errors import Conflict, Forbidden, NotFound, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.debriefs import policy
from haven.debriefs.loading import debrief_facts, load_to_run
from haven.debriefs.models import ActionItem, Debrief
from haven.debriefs.people import others, person_ref, person_refs, team_members
from haven.debriefs.policy import DebriefFacts
from haven.debriefs.schemas import (
    ActionCategory,
    ActionCategoryInfo,
    ActionItemCreate,
    ActionItemRead,
    ActionItemUpdate,
    ActionStatus,
)
from haven.notifications import service as notifications
from haven.reports import service as reports_service


def action_categories() -> list[ActionCategoryInfo]:
    return [
        ActionCategoryInfo(
            category=category, strength=info.strength, label=info.label, example=info.example
        )
        for category, info in policy.HIERARCHY.items()
    ]


def _sources(session: Session, items: Sequence[ActionItem]) -> dict[uuid.UUID, DebriefFacts]:
    ids = {i.debrief_id for i in items if i.debrief_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(Debrief).where(col(Debrief.id).in_(ids))).all()
    return {d.id: debrief_facts(d) for d in rows}


def _is_overdue(item: ActionItem, today: date) -> bool:
    return ActionStatus(item.status) in policy.STILL_TO_DO and item.due_on < today


def action_reads(
    session: Session, principal: Principal, items: Sequence[ActionItem]
) -> list[ActionItemRead]:
    refs = person_refs(session, {i.owner_id for i in items})
    sources = _sources(session, items)
    today = clock.today()
    reads = []
    for item in items:
        source = sources.get(item.debrief_id) if item.debrief_id else None
        manages = policy.may_manage_action(principal, item.department_id, source)
        category = ActionCategory(item.category)
        status = ActionStatus(item.status)
        reads.append(
            ActionItemRead(
                id=item.id,
                debrief_id=item.debrief_id,
                report_id=item.report_id,
                department_id=item.department_id,
                description=item.description,
                owner=person_ref(refs, item.owner_id),
                due_on=item.due_on,
                status=status,
                category=category,
                strength=policy.strength_of(category),
                effectiveness_measure=item.effectiveness_measure,
                verification_note=item.verification_note,
                is_overdue=_is_overdue(item, today),
                can_manage=manages,
                allowed_statuses=policy.statuses_for(
                    principal, status=status, owner_id=item.owner_id, manages=manages
                ),
                created_at=item.created_at,
                done_at=item.done_at,
                verified_at=item.verified_at,
                version=item.version,
            )
        )
    return reads


def _check_due(due_on: date) -> None:
    if due_on < clock.today():
        raise Unprocessable(
            "The due date is in the past.", errors=[field_error("due_on", "Choose today or later.")]
        )
    if due_on > clock.today() + timedelta(days=3 * 366):
        raise Unprocessable(
            "The due date is too far ahead.",
            errors=[field_error("due_on", "At most three years ahead.")],
        )


def _audit_action(session: Session, principal: Principal, action: str, item: ActionItem) -> None:
    audit.record_event(
        session, principal, action=action, object_type="action_item", object_id=item.id
    )


def _tell_owner(session: Session, principal: Principal, item: ActionItem) -> None:
    notifications.notify(
        session,
        user_ids=others(principal, [item.owner_id]),
        kind="action_item.assigned",
        title="You have a new action item",
        link=f"/action-items/{item.id}",
    )


def _new_action(
    session: Session,
    principal: Principal,
    data: ActionItemCreate,
    *,
    department_id: uuid.UUID,
    debrief_id: uuid.UUID | None,
    report_id: uuid.UUID | None,
) -> ActionItemRead:
    team_members(session, [data.owner_id], field="owner_id", many=False)
    _check_due(data.due_on)
    now = clock.now()
    item = ActionItem(
        debrief_id=debrief_id,
        report_id=report_id,
        department_id=department_id,
        description=data.description,
        owner_id=data.owner_id,
        due_on=data.due_on,
        status=ActionStatus.open.value,
        category=data.category.value,
        strength=policy.strength_of(data.category).value,
        effectiveness_measure=data.effectiveness_measure,
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    _audit_action(session, principal, "action_item.created", item)
    _tell_owner(session, principal, item)
    return action_reads(session, principal, [item])[0]


def create_debrief_action(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: ActionItemCreate
) -> ActionItemRead:
    debrief = load_to_run(
        session,
        principal,
        debrief_id,
        open_in=policy.ACTIONS_OPEN,
        refusal="Action items are added once a debrief is held, not to a {status} one.",
    )
    return _new_action(
        session,
        principal,
        data,
        department_id=debrief.department_id,
        debrief_id=debrief.id,
        report_id=None,
    )


def create_report_action(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: ActionItemCreate
) -> ActionItemRead:
    department_id = reports_service.visible_report_department(
        session, principal, report_id=report_id
    )
    if department_id is None:
        raise NotFound("No such report.")
    if not policy.may_manage_action(principal, department_id, None):
        raise Forbidden("Only the safety team and the department's lead add actions to reports.")
    return _new_action(
        session, principal, data, department_id=department_id, debrief_id=None, report_id=report_id
    )


def _load_action(session: Session, principal: Principal, action_item_id: uuid.UUID) -> ActionItem:
    item = session.exec(
        policy.scope_actions(
            select(ActionItem).where(col(ActionItem.id) == action_item_id), principal
        )
    ).first()
    if item is None:
        raise NotFound("No such action item.")
    return item


def get_action_item(
    session: Session, principal: Principal, *, action_item_id: uuid.UUID
) -> ActionItemRead:
    return action_reads(session, principal, [_load_action(session, principal, action_item_id)])[0]


def update_action_item(
    session: Session,
    principal: Principal,
    *,
    action_item_id: uuid.UUID,
    data: ActionItemUpdate,
    if_match: str | None,
) -> ActionItemRead:
    item = _load_action(session, principal, action_item_id)
    source = _sources(session, [item]).get(item.debrief_id) if item.debrief_id else None
    manages = policy.may_manage_action(principal, item.department_id, source)
    is_owner = principal.kind == "user" and principal.id == item.owner_id
    if not manages and not is_owner:
        raise Forbidden("Only the owner and those who manage this action may change it.")
    require_if_match(if_match, item.version)
    changes = data.model_dump(exclude_unset=True)
    nulled = [name for name, value in changes.items() if value is None]
    if nulled:
        raise Unprocessable(
            "Some fields cannot be cleared.",
            errors=[field_error(name, "Cannot be null.") for name in nulled],
        )
    if not manages:
        others_changed = sorted(set(changes) - {"status", "verification_note"})
        if others_changed:
            raise Forbidden(
                "As the owner you may move the action along; its content is changed by those "
                "who manage it."
            )
    old_status = ActionStatus(item.status)
    new_status = ActionStatus(changes.get("status", item.status))
    if new_status != old_status:
        allowed = policy.statuses_for(
            principal, status=old_status, owner_id=item.owner_id, manages=manages
        )
        if new_status not in allowed:
            raise Conflict(
                f"An action item that is {old_status.value} cannot move to {new_status.value} "
                "here.",
                errors=[field_error("status", "Not allowed from the current status.")],
            )
    if "verification_note" in changes and new_status != ActionStatus.verified:
        raise Unprocessable(
            "A verification note goes with marking the action verified.",
            errors=[field_error("verification_note", "Only when verifying.")],
        )
    verifying = new_status == ActionStatus.verified and old_status != ActionStatus.verified
    if verifying and not (changes.get("verification_note") or "").strip():
        raise Unprocessable(
            "Say how effectiveness was checked before marking the action verified.",
            errors=[field_error("verification_note", "Required to verify.")],
        )
    if "owner_id" in changes:
        team_members(session, [changes["owner_id"]], field="owner_id", many=False)
    if "due_on" in changes and changes["due_on"] != item.due_on:
        _check_due(changes["due_on"])
    old_owner = item.owner_id
    now = clock.now()
    for name in ("description", "owner_id", "due_on", "effectiveness_measure"):
        if name in changes:
            setattr(item, name, changes[name])
    if "category" in changes:
        category = ActionCategory(changes["category"])
        item.category = category.value
        item.strength = policy.strength_of(category).value
    if new_status != old_status:
        item.status = new_status.value
        if new_status == ActionStatus.done and item.done_at is None:
            item.done_at = now
        if new_status in policy.STILL_TO_DO:
            item.done_at = None
        if new_status == ActionStatus.verified:
            item.verified_at = now
            item.verification_note = changes["verification_note"].strip()
    item.updated_at = now
    session.add(item)
    session.flush()
    action = (
        f"action_item.status.{new_status.value}"
        if new_status != old_status
        else "action_item.updated"
    )
    _audit_action(session, principal, action, item)
    if item.owner_id != old_owner:
        _tell_owner(session, principal, item)
    return action_reads(session, principal, [item])[0]
