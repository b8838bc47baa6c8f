"""Proactive outreach: after an event review names the staff involved, one task per person
for the coordinator ("offer support to this person"), with no event details and no link to
the report (see the package docstring, "Outreach without a link to the report")."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import UserRead
from haven.core import clock
from haven.core.errors import Conflict, NotFound
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.support import notes, notices, resources, views
from haven.support.auditing import audit_record, audit_request
from haven.support.models import OutreachKey, OutreachTask
from haven.support.requests import new_request
from haven.support.schemas import (
    CoordinatorRequestRead,
    OutreachAccept,
    OutreachStatus,
    OutreachTaskRead,
    RequestKind,
)


def offer_outreach(
    session: Session,
    actor: Principal,
    *,
    person_ids: Sequence[uuid.UUID],
    involved_ids: Sequence[uuid.UUID],
    event_key: str | None = None,
) -> None:
    """After an event review names the staff involved: one outreach task per person for the
    coordinator ("offer support to this person"), with no event details.

    ``event_key`` is the caller's opaque key for the event (the reports side passes an HMAC
    of the report id): a person already offered outreach for that event gets no second task.
    Without it, a person who already has an open task gets no second one either (its
    involved staff are merged). Returns nothing, so the caller cannot learn what happened.
    """
    people = auth_service.users_by_id(session, person_ids)
    involved = [str(i) for i in dict.fromkeys(involved_ids)]
    today = clock.today()
    now = clock.now()
    created = 0
    for person_id in dict.fromkeys(person_ids):
        person = people.get(person_id)
        if person is None or not person.is_active:
            continue
        fingerprint = notes.outreach_fingerprint(event_key, person_id) if event_key else None
        key = session.get(OutreachKey, fingerprint) if fingerprint else None
        if key is not None and key.expires_on >= today:
            continue
        open_task = session.exec(
            select(OutreachTask).where(
                col(OutreachTask.person_id) == person_id,
                col(OutreachTask.status) == OutreachStatus.open.value,
            )
        ).first()
        if open_task is not None:
            open_task.involved_ids = list(dict.fromkeys([*open_task.involved_ids, *involved]))
            session.add(open_task)
        else:
            task = OutreachTask(
                person_id=person_id,
                department_id=person.department_id,
                involved_ids=involved,
                created_at=now,
            )
            session.add(task)
            session.flush()
            audit_record(session, None, "support_outreach.created", task.id, "support_outreach")
            created += 1
        if fingerprint is not None:
            expires = today + timedelta(days=resources.settings().outreach_key_days)
            if key is None:
                session.add(OutreachKey(fingerprint=fingerprint, expires_on=expires))
            else:
                key.expires_on = expires
                session.add(key)
    session.flush()
    if created:
        notices.notify_coordinators(
            session, "support.outreach", notices.TITLE_OUTREACH, notices.OUTREACH_LINK
        )


def _outreach_read(task: OutreachTask, people: dict[uuid.UUID, UserRead]) -> OutreachTaskRead:
    person = people.get(task.person_id) if task.person_id else None
    return OutreachTaskRead(
        id=task.id,
        person_id=task.person_id,
        person_name=person.display_name if person else None,
        department_id=task.department_id,
        source="event_review",
        status=OutreachStatus(task.status),
        created_at=task.created_at,
        decided_at=task.decided_at,
        version=task.version,
    )


def list_outreach(
    session: Session, actor: Principal, *, status: OutreachStatus | None, params: PageParams
) -> tuple[list[OutreachTaskRead], str | None]:
    stmt = select(OutreachTask)
    if status is not None:
        stmt = stmt.where(col(OutreachTask.status) == status.value)
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(OutreachTask.created_at), col(OutreachTask.id)],
        params=params,
        descending=True,
    )
    for row in rows:
        audit_record(session, actor, "support_outreach.listed", row.id, "support_outreach")
    people = auth_service.users_by_id(session, [r.person_id for r in rows if r.person_id])
    return [_outreach_read(r, people) for r in rows], cursor


def _person_of(session: Session, task: OutreachTask) -> UserRead | None:
    if task.person_id is None:
        return None
    return auth_service.users_by_id(session, [task.person_id]).get(task.person_id)


def _open_task(session: Session, task_id: uuid.UUID, if_match: str | None) -> OutreachTask:
    task = session.get(OutreachTask, task_id)
    if task is None:
        raise NotFound("No such outreach task.")
    require_if_match(if_match, task.version)
    if task.status != OutreachStatus.open:
        raise Conflict("This outreach task was already decided.")
    return task


def accept_outreach(
    session: Session,
    actor: Principal,
    *,
    task_id: uuid.UUID,
    data: OutreachAccept,
    if_match: str | None,
) -> CoordinatorRequestRead:
    """Accepting turns the task into a request for that person (who is contacted, not
    ordered), matched without the staff involved in the event."""
    task = _open_task(session, task_id, if_match)
    person = _person_of(session, task)
    if person is None or not person.is_active:
        raise Conflict("This person is no longer active; decline the task instead.")
    request = new_request(
        session,
        requester=person,
        kind=RequestKind.outreach,
        urgency=data.urgency,
        excluded_user_ids=[uuid.UUID(i) for i in task.involved_ids],
    )
    task.status = OutreachStatus.accepted.value
    task.decided_at = clock.now()
    session.add(task)
    session.flush()
    audit_record(session, actor, "support_outreach.accepted", task.id, "support_outreach")
    audit_request(session, actor, "support_request.created", request)
    return views.as_coordinator(request, views.names_of(session, [request]), clock.now())


def decline_outreach(
    session: Session, actor: Principal, *, task_id: uuid.UUID, if_match: str | None
) -> OutreachTaskRead:
    task = _open_task(session, task_id, if_match)
    task.status = OutreachStatus.declined.value
    task.decided_at = clock.now()
    session.add(task)
    session.flush()
    audit_record(session, actor, "support_outreach.declined", task.id, "support_outreach")
    people = auth_service.users_by_id(session, [task.person_id] if task.person_id else [])
    return _outreach_read(task, people)
