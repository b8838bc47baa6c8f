"""Who is invited to a debrief and who came: inviting (while scheduled or held), removing
(only before it is held: then they are part of the record) and attendance, a command that
sets only the people it names."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.errors import Conflict, NotFound, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.debriefs import policy
from haven.debriefs.loading import (
    audit_debrief,
    debrief_link,
    load_debrief,
    load_to_run,
    participation,
    status_of,
)
from haven.debriefs.models import DebriefParticipant
from haven.debriefs.people import others, person_ref, person_refs, team_members
from haven.debriefs.schemas import (
    AttendanceUpdate,
    DebriefStatus,
    ParticipantRead,
    ParticipantsInvite,
)
from haven.notifications import service as notifications


def participant_reads(session: Session, debrief_id: uuid.UUID) -> list[ParticipantRead]:
    rows = session.exec(
        select(DebriefParticipant).where(col(DebriefParticipant.debrief_id) == debrief_id)
    ).all()
    refs = person_refs(session, [r.user_id for r in rows])
    return sorted(
        (
            ParticipantRead(
                user_id=r.user_id,
                display_name=person_ref(refs, r.user_id).display_name,
                attended=r.attended,
            )
            for r in rows
        ),
        key=lambda p: (p.display_name.casefold(), p.user_id),
    )


def invitee_ids(
    session: Session, debrief_id: uuid.UUID, *, present_only: bool = False
) -> list[uuid.UUID]:
    stmt = select(DebriefParticipant.user_id).where(
        col(DebriefParticipant.debrief_id) == debrief_id
    )
    if present_only:
        stmt = stmt.where(
            sa.or_(
                col(DebriefParticipant.attended).is_(None),
                col(DebriefParticipant.attended).is_(True),
            )
        )
    return list(session.exec(stmt).all())


def check_group_size(count: int, *, field: str) -> None:
    if count > get_settings().debriefs.max_participants:
        raise Unprocessable(
            "Too many participants for one debrief.",
            errors=[field_error(field, "Too many people.")],
        )


def tell_invited(
    session: Session, principal: Principal, debrief_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> None:
    notifications.notify(
        session,
        user_ids=others(principal, user_ids),
        kind="debrief.invited",
        title="You have been invited to a debrief",
        link=debrief_link(debrief_id),
    )


def invite_participants(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: ParticipantsInvite
) -> list[ParticipantRead]:
    debrief = load_to_run(
        session,
        principal,
        debrief_id,
        open_in=policy.INVITES_OPEN,
        refusal="People cannot be invited to a {status} debrief.",
    )
    wanted = list(dict.fromkeys(data.user_ids))
    team_members(session, wanted, field="user_ids", many=True)
    present = set(invitee_ids(session, debrief.id))
    new = [u for u in wanted if u not in present]
    check_group_size(len(present) + len(new), field="user_ids")
    now = clock.now()
    for user_id in new:
        session.add(DebriefParticipant(debrief_id=debrief.id, user_id=user_id, invited_at=now))
    session.flush()
    if new:
        audit_debrief(session, principal, "debrief.participants_invited", debrief.id)
        tell_invited(session, principal, debrief.id, new)
    return participant_reads(session, debrief.id)


def remove_participant(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    debrief = load_debrief(session, principal, debrief_id, run=True)
    if status_of(debrief) != DebriefStatus.scheduled:
        raise Conflict("Once a debrief is held its participants are part of the record.")
    row = participation(session, debrief.id, user_id)
    if row is None:
        raise NotFound("This person is not invited.")
    session.delete(row)
    session.flush()
    audit_debrief(session, principal, "debrief.participant_removed", debrief.id)


def record_attendance(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: AttendanceUpdate
) -> list[ParticipantRead]:
    debrief = load_to_run(
        session,
        principal,
        debrief_id,
        open_in=policy.RECORD_OPEN,
        refusal="Attendance of a {status} debrief cannot be changed.",
    )
    both = set(data.attended) & set(data.absent)
    invited = set(invitee_ids(session, debrief.id))
    errors = [
        field_error(f"{name}.{i}", "Not invited to this debrief.")
        for name, ids in (("attended", data.attended), ("absent", data.absent))
        for i, user_id in enumerate(ids)
        if user_id not in invited
    ]
    errors += [field_error("absent", "Someone is marked both present and absent.")] if both else []
    if errors:
        raise Unprocessable("Attendance names people who are not participants.", errors=errors)
    for user_id, attended in [(u, True) for u in data.attended] + [(u, False) for u in data.absent]:
        row = participation(session, debrief.id, user_id)
        assert row is not None
        row.attended = attended
        session.add(row)
    session.flush()
    audit_debrief(session, principal, "debrief.attendance_recorded", debrief.id)
    return participant_reads(session, debrief.id)
