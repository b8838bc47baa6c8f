"""The people a debrief or an action item names: members of staff only, checked by id,
browsed by those who schedule and run debriefs, and shown by display name."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import Role, UserRead
from haven.core.errors import FieldError, Forbidden, Unprocessable, field_error
from haven.core.pagination import PageParams
from haven.core.security import Principal
from haven.debriefs import policy
from haven.debriefs.models import Debrief
from haven.debriefs.schemas import PersonRef, TeamMember

# People who take part in debriefs and own actions: members of staff, not the accounts
# that exist for administration or audit only.
TEAM_ROLES = frozenset(
    {
        Role.staff,
        Role.peer_supporter,
        Role.support_coordinator,
        Role.safety_officer,
        Role.department_lead,
    }
)


def team_members(
    session: Session, ids: Sequence[uuid.UUID], *, field: str, many: bool
) -> dict[uuid.UUID, UserRead]:
    """The named people, each active and a member of staff; 422 naming the bad ones."""
    people = auth_service.users_by_id(session, ids)
    errors: list[FieldError] = []
    for i, person_id in enumerate(ids):
        person = people.get(person_id)
        if person is None or not person.is_active or not TEAM_ROLES.intersection(person.roles):
            errors.append(
                field_error(f"{field}.{i}" if many else field, "No active member of staff.")
            )
    if errors:
        raise Unprocessable("Some of the people named cannot take part.", errors=errors)
    return people


def list_team_members(
    session: Session,
    principal: Principal,
    *,
    department_id: uuid.UUID | None,
    params: PageParams,
) -> tuple[list[TeamMember], str | None]:
    """Active members of staff by name, to pick a facilitator, participants or an owner.

    For those who schedule debriefs, and for facilitators of a debrief still under way (they
    invite late participants and name owners); nobody else browses the staff list here.
    """
    if not (
        policy.may_pick_people(principal)
        or session.exec(
            select(Debrief.id).where(
                col(Debrief.facilitator_id) == principal.id,
                col(Debrief.status).in_([s.value for s in policy.RECORD_OPEN]),
            )
        ).first()
    ):
        raise Forbidden("Only those who schedule or run debriefs look people up here.")
    people, cursor = auth_service.list_users(
        session, params=params, department_id=department_id, include_inactive=False
    )
    return [
        TeamMember(id=p.id, display_name=p.display_name, department_id=p.department_id)
        for p in people
        if TEAM_ROLES.intersection(p.roles)
    ], cursor


def person_refs(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PersonRef]:
    return {
        p.id: PersonRef(id=p.id, display_name=p.display_name)
        for p in auth_service.users_by_id(session, ids).values()
    }


def person_ref(refs: dict[uuid.UUID, PersonRef], person_id: uuid.UUID) -> PersonRef:
    return refs.get(person_id) or PersonRef(id=person_id, display_name="Unknown person")


def others(principal: Principal, ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The people to notify: each once, never the one acting."""
    return [i for i in dict.fromkeys(ids) if i != principal.id]
