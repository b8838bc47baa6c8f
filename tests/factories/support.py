"""Supporters, requests and the other peer-support records, for tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from haven.auth.schemas import Profession, Role
from haven.core import clock
from haven.core.db import new_session
from haven.support import service
from haven.support.schemas import (
    EncounterChannel,
    EncounterCreate,
    EncounterOutcome,
    OnCallWindow,
    SupporterCreate,
    SupportRequestCreate,
    SupportTransition,
    Urgency,
)
from tests.factories.org import Person, make_person

# Every day, all day (an end at the start runs to the same time the next day).
ALWAYS = [OnCallWindow(weekday=d, start="00:00", end="00:00") for d in range(7)]


@dataclass(frozen=True)
class SupporterPerson:
    person: Person
    supporter_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.person.id

    @property
    def headers(self) -> dict[str, str]:
        return self.person.headers


def make_supporter(
    engine: Engine,
    *,
    department_id: uuid.UUID | None = None,
    on_call: list[OnCallWindow] | None = None,
    capacity: int = 3,
    trained_on: date | None = date(2026, 1, 5),
    expires_on: date | None = None,
    professions: list[Profession] | None = None,
    languages: list[str] | None = None,
    profession: Profession = Profession.nurse,
    extra_roles: tuple[Role, ...] = (),
) -> SupporterPerson:
    person = make_person(
        engine,
        Role.staff,
        Role.peer_supporter,
        *extra_roles,
        department_id=department_id,
        profession=profession,
    )
    coordinator = make_person(engine, Role.support_coordinator)
    with new_session(engine) as session:
        created = service.create_supporter(
            session,
            coordinator.principal,
            data=SupporterCreate(
                user_id=person.id,
                training_completed_on=trained_on,
                training_expires_on=expires_on,
                professions=professions or [],
                languages=languages or [],
                capacity=capacity,
                on_call=ALWAYS if on_call is None else on_call,
            ),
        )
        session.commit()
    return SupporterPerson(person, created.id)


def make_request(engine: Engine, requester: Person, **fields: Any) -> uuid.UUID:
    fields.setdefault("urgency", Urgency.soon)
    with new_session(engine) as session:
        created = service.create_request(
            session, requester.principal, data=SupportRequestCreate(**fields)
        )
        session.commit()
    assert created.id is not None
    return created.id


def log_encounter(
    engine: Engine,
    supporter: SupporterPerson,
    request_id: uuid.UUID,
    *,
    occurred_at: datetime | None = None,
    outcome: EncounterOutcome = EncounterOutcome.follow_up,
    **fields: Any,
) -> uuid.UUID:
    with new_session(engine) as session:
        encounter = service.log_encounter(
            session,
            supporter.person.principal,
            request_id=request_id,
            data=EncounterCreate(
                occurred_at=occurred_at or clock.now() - timedelta(minutes=1),
                minutes=fields.pop("minutes", 30),
                channel=fields.pop("channel", EncounterChannel.phone),
                tier=fields.pop("tier", 2),
                outcome=outcome,
                **fields,
            ),
        )
        session.commit()
    return encounter.id


def close_request(engine: Engine, requester: Person, request_id: uuid.UUID) -> None:
    with new_session(engine) as session:
        current = service.get_request(session, requester.principal, request_id=request_id)
        service.transition_request(
            session,
            requester.principal,
            request_id=request_id,
            data=SupportTransition(to="closed"),  # type: ignore[arg-type]
            if_match=str(current.version),
        )
        session.commit()
