"""Matching, as the database holds it: the roster's facts and a request's facts, loaded and
handed to the pure rules (:func:`policy.match_supporters`, where every rule is written)."""

from __future__ import annotations

import dataclasses
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col

from haven.auth import service as auth_service
from haven.auth.schemas import Role
from haven.core import clock
from haven.support import policy, resources, roster
from haven.support.models import Supporter, SupportRequest

_FACT_COLUMNS = (
    col(Supporter.id),
    col(Supporter.user_id),
    col(Supporter.professions),
    col(Supporter.languages),
    col(Supporter.capacity),
    col(Supporter.is_active),
    col(Supporter.is_paused),
    col(Supporter.training_completed_on),
    col(Supporter.training_expires_on),
    col(Supporter.on_call),
)


def _supporter_facts(session: Session) -> list[policy.SupporterFacts]:
    """The whole roster as matching needs it: plain columns, three queries, no ORM objects
    (loading 500 supporters as ORM rows and UserRead models cost ~40x more; see bench/)."""
    rows = session.execute(sa.select(*_FACT_COLUMNS)).all()
    people = auth_service.user_summaries(session, [r.user_id for r in rows])
    loads = roster.caseloads(session)
    facts = []
    for row in rows:
        person = people.get(row.user_id)
        usable = (
            row.is_active
            and person is not None
            and person.is_active
            and Role.peer_supporter.value in person.roles
        )
        leads = person is not None and Role.department_lead.value in person.roles
        facts.append(
            policy.SupporterFacts(
                supporter_id=row.id,
                user_id=row.user_id,
                display_name=person.display_name if person else "",
                department_id=person.department_id if person else None,
                professions=tuple(row.professions),
                languages=tuple(row.languages),
                capacity=row.capacity,
                open_caseload=loads.get(row.user_id, 0),
                is_active=usable,
                is_paused=row.is_paused,
                training_completed_on=row.training_completed_on,
                training_expires_on=row.training_expires_on,
                windows=tuple(policy.Window.parse(w) for w in row.on_call),
                led_department_id=person.department_id if person and leads else None,
                has_conflicting_roles=bool(
                    person and auth_service.conflicting_role_pairs(person.roles)
                ),
                is_coordinator=bool(person and Role.support_coordinator.value in person.roles),
            )
        )
    return facts


def _request_facts(request: SupportRequest) -> policy.RequestFacts:
    return policy.RequestFacts(
        requester_id=request.requester_id,
        department_id=request.department_id,
        not_own_department=request.not_own_department,
        preferred_profession=request.preferred_profession,
        preferred_language=request.preferred_language,
        involved_ids=frozenset(uuid.UUID(i) for i in request.excluded_user_ids),
        passed_over_ids=frozenset(uuid.UUID(i) for i in request.passed_over_ids),
    )


def match_request(
    session: Session,
    request: SupportRequest,
    *,
    also_passed_over: uuid.UUID | None = None,
    assigner_id: uuid.UUID | None = None,
) -> policy.MatchResult:
    facts = dataclasses.replace(_request_facts(request), assigner_id=assigner_id)
    if also_passed_over is not None:
        facts = dataclasses.replace(
            facts, passed_over_ids=facts.passed_over_ids | {also_passed_over}
        )
    local = clock.now().astimezone(resources.zone(session))
    return policy.match_supporters(
        facts, _supporter_facts(session), local_now=local, today=local.date()
    )
