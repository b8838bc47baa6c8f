"""The supporter roster: who supports (training, capacity, professions, languages, pause),
their open caseloads, and each supporter's own on-call windows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import Profession, Role, UserRead
from haven.core import audit, clock
from haven.core.errors import Conflict, NotFound, Unprocessable, field_error
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.support import policy, resources
from haven.support.models import Supporter, SupportRequest
from haven.support.schemas import (
    OPEN_STATUSES,
    AvailabilityRead,
    AvailabilityUpdate,
    OnCallWindowRead,
    SupporterCreate,
    SupporterRead,
    SupporterUpdate,
)


def caseloads(
    session: Session, user_ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, int]:
    stmt = (
        sa.select(col(SupportRequest.supporter_id), sa.func.count())
        .where(
            col(SupportRequest.supporter_id).is_not(None),
            col(SupportRequest.status).in_([s.value for s in OPEN_STATUSES]),
        )
        .group_by(col(SupportRequest.supporter_id))
    )
    if user_ids is not None:
        stmt = stmt.where(col(SupportRequest.supporter_id).in_(list(user_ids)))
    return {row[0]: int(row[1]) for row in session.execute(stmt).all()}


def _windows_read(row: Supporter) -> list[OnCallWindowRead]:
    return [OnCallWindowRead.model_validate(w) for w in row.on_call]


def _supporter_read(row: Supporter, user: UserRead | None, caseload: int) -> SupporterRead:
    return SupporterRead(
        id=row.id,
        user_id=row.user_id,
        display_name=user.display_name if user else "",
        department_id=user.department_id if user else None,
        training_completed_on=row.training_completed_on,
        training_expires_on=row.training_expires_on,
        professions=[Profession(p) for p in row.professions],
        languages=list(row.languages),
        capacity=row.capacity,
        is_active=row.is_active,
        is_paused=row.is_paused,
        on_call=_windows_read(row),
        open_caseload=caseload,
        version=row.version,
    )


def _one_supporter_read(session: Session, row: Supporter) -> SupporterRead:
    user = auth_service.users_by_id(session, [row.user_id]).get(row.user_id)
    return _supporter_read(row, user, caseloads(session, [row.user_id]).get(row.user_id, 0))


def list_supporters(
    session: Session, *, params: PageParams
) -> tuple[list[SupporterRead], str | None]:
    rows, cursor = paginate(
        session,
        select(Supporter),
        keys=[col(Supporter.created_at), col(Supporter.id)],
        params=params,
    )
    users = auth_service.users_by_id(session, [r.user_id for r in rows])
    loads = caseloads(session, [r.user_id for r in rows])
    return [_supporter_read(r, users.get(r.user_id), loads.get(r.user_id, 0)) for r in rows], cursor


def _check_training(completed: date | None, expires: date | None) -> None:
    if completed is not None and expires is not None and expires < completed:
        raise Unprocessable(
            "Training cannot expire before it was completed.",
            errors=[field_error("training_expires_on", "On or after the completion date.")],
        )


def create_supporter(session: Session, actor: Principal, *, data: SupporterCreate) -> SupporterRead:
    field = "user_id" if data.user_id is not None else "email"
    user_id = data.user_id or auth_service.active_user_id_by_email(session, str(data.email))
    user = auth_service.users_by_id(session, [user_id]).get(user_id) if user_id else None
    if user is None or not user.is_active:
        raise Unprocessable(
            "No active person is known by this.",
            errors=[field_error(field, "Not an active person.")],
        )
    if Role.peer_supporter not in user.roles:
        raise Unprocessable(
            "Give this person the peer supporter role first (an administrator does that).",
            errors=[field_error(field, "Needs the peer_supporter role.")],
        )
    if auth_service.conflicting_role_pairs(user.roles):
        # Only in accounts older than the separation of roles; never matched either.
        raise Unprocessable(
            "This person also holds a role that may not sit with peer support; an "
            "administrator must remove one first.",
            errors=[field_error(field, "Holds a role that may not support people.")],
        )
    existing = session.exec(select(Supporter.id).where(col(Supporter.user_id) == user.id)).first()
    if existing is not None:
        raise Conflict(
            "This person is already on the roster.", errors=[field_error(field, "Already listed.")]
        )
    _check_training(data.training_completed_on, data.training_expires_on)
    now = clock.now()
    row = Supporter(
        user_id=user.id,
        training_completed_on=data.training_completed_on,
        training_expires_on=data.training_expires_on,
        professions=[p.value for p in data.professions] or [user.profession.value],
        languages=list(dict.fromkeys(data.languages)),
        capacity=data.capacity,
        is_active=data.is_active,
        on_call=[w.model_dump() for w in data.on_call],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record_event(
        session, actor, action="supporter.created", object_type="supporter", object_id=row.id
    )
    return _supporter_read(row, user, 0)


def get_supporter(session: Session, *, supporter_id: uuid.UUID) -> SupporterRead:
    row = session.get(Supporter, supporter_id)
    if row is None:
        raise NotFound("No such supporter.")
    return _one_supporter_read(session, row)


def update_supporter(
    session: Session,
    actor: Principal,
    *,
    supporter_id: uuid.UUID,
    data: SupporterUpdate,
    if_match: str | None,
) -> SupporterRead:
    row = session.get(Supporter, supporter_id)
    if row is None:
        raise NotFound("No such supporter.")
    require_if_match(if_match, row.version)
    changes = data.model_dump(exclude_unset=True)
    nulled = [
        name
        for name in ("professions", "languages", "capacity", "is_active", "is_paused", "on_call")
        if name in changes and changes[name] is None
    ]
    if nulled:
        raise Unprocessable(
            "Some fields cannot be cleared.",
            errors=[field_error(name, "Cannot be null.") for name in nulled],
        )
    completed = changes.get("training_completed_on", row.training_completed_on)
    expires = changes.get("training_expires_on", row.training_expires_on)
    _check_training(completed, expires)
    if "training_completed_on" in changes:
        row.training_completed_on = data.training_completed_on
    if "training_expires_on" in changes:
        row.training_expires_on = data.training_expires_on
    if data.professions is not None:
        row.professions = [p.value for p in data.professions]
    if data.languages is not None:
        row.languages = list(dict.fromkeys(data.languages))
    if data.capacity is not None:
        row.capacity = data.capacity
    if data.is_active is not None:
        row.is_active = data.is_active
    if data.is_paused is not None:
        row.is_paused = data.is_paused
    if data.on_call is not None:
        row.on_call = [w.model_dump() for w in data.on_call]
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    audit.record_event(
        session, actor, action="supporter.updated", object_type="supporter", object_id=row.id
    )
    return _one_supporter_read(session, row)


def _my_roster_entry(session: Session, principal: Principal) -> Supporter:
    row = session.exec(select(Supporter).where(col(Supporter.user_id) == principal.id)).first()
    if row is None:
        raise NotFound("You are not on the peer-support roster yet; ask the support coordinator.")
    return row


def _availability(session: Session, row: Supporter) -> AvailabilityRead:
    zone = resources.zone(session)
    windows = [policy.Window.parse(w) for w in row.on_call]
    return AvailabilityRead(
        supporter_id=row.id,
        on_call=_windows_read(row),
        is_paused=row.is_paused,
        is_on_call_now=policy.on_call_at(windows, clock.now().astimezone(zone)),
        time_zone=zone.key,
        version=row.version,
    )


def get_my_availability(session: Session, principal: Principal) -> AvailabilityRead:
    return _availability(session, _my_roster_entry(session, principal))


def set_my_availability(
    session: Session, principal: Principal, *, data: AvailabilityUpdate, if_match: str | None
) -> AvailabilityRead:
    row = _my_roster_entry(session, principal)
    require_if_match(if_match, row.version)
    row.on_call = [w.model_dump() for w in data.on_call]
    row.is_paused = data.is_paused
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    audit.record_event(
        session,
        principal,
        action="supporter.availability_set",
        object_type="supporter",
        object_id=row.id,
    )
    return _availability(session, row)
