"""A coordinator's hand may override only the soft matching rules, and a soft rule never hides
a hard one (DESIGN.md, "Matching"; README, "Separation of roles").

The attack: a coordinator pauses a supporter who is untrained, or was involved in the event,
or comes from the department the requester asked to avoid, then assigns them by hand: the
pause was checked first and, being overridable, let the assignment through. Every rule is
now checked, and any hard one refuses, reporting the hard reason."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.support import service
from haven.support.models import OutreachTask, SupportRequest
from haven.support.schemas import OutreachAccept, RequestStatus, SupporterUpdate
from tests.core.test_http import assert_problem
from tests.factories.org import Person, give_roles_as_old_data, make_department, make_person
from tests.factories.support import SupporterPerson, make_request, make_supporter

P = "/api/v1/support"

# What the coordinator is told for each hard rule (haven.support.assignment._REFUSALS).
REFUSALS = {
    "is_requester": "They are the person this request is for.",
    "is_assigner": "You cannot assign a request to yourself.",
    "leads_department": "They lead the requester's department.",
    "conflicting_roles": "They hold a role that may not support people.",
    "inactive": "They are not an active peer supporter.",
    "not_trained": "They have not completed peer-supporter training.",
    "training_expired": "Their peer-supporter training has expired.",
    "involved_in_event": "They were involved in the event.",
    "same_department": "The requester asked for someone outside their department.",
}


@dataclass(frozen=True)
class Scene:
    coordinator: Person
    target: SupporterPerson
    request_id: uuid.UUID


def _set_request(engine: Engine, request_id: uuid.UUID, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(SupportRequest.__table__)  # type: ignore[attr-defined]
            .where(SupportRequest.__table__.c.id == request_id)  # type: ignore[attr-defined]
            .values(**values)
        )


def _update_supporter(
    engine: Engine, scene_coordinator: Person, target: SupporterPerson, **fields: bool
) -> None:
    with new_session(engine) as session:
        service.update_supporter(
            session,
            scene_coordinator.principal,
            supporter_id=target.supporter_id,
            data=SupporterUpdate(**fields),  # type: ignore[arg-type]
            if_match="*",
        )
        session.commit()


def _outreach_request(
    engine: Engine, coordinator: Person, person: Person, involved: list[uuid.UUID]
) -> uuid.UUID:
    """A request made the product's way after an event: the safety officer names the staff
    involved, the coordinator accepts the outreach task for one of them."""
    officer = make_person(engine, Role.safety_officer)
    with new_session(engine) as session:
        service.offer_outreach(
            session,
            officer.principal,
            person_ids=[person.id],
            involved_ids=involved,
            event_key=uuid.uuid4().hex,
        )
        session.commit()
    with new_session(engine) as session:
        (task,) = session.exec(select(OutreachTask)).all()
        read = service.accept_outreach(
            session, coordinator.principal, task_id=task.id, data=OutreachAccept(), if_match="*"
        )
        session.commit()
    assert read.id is not None
    return read.id


def build(engine: Engine, hard: str | None, soft: str | None) -> Scene:
    """One supporter failing the ``hard`` and ``soft`` rules named (either may be None), and
    an open request nobody else could take."""
    today = clock.now().date()
    department = make_department(engine)
    requester = make_person(engine, Role.staff, department_id=department)
    coordinator = make_person(engine, Role.support_coordinator)
    options: dict[str, object] = {}
    if hard == "not_trained":
        options["trained_on"] = None
    if hard == "training_expired":
        options |= {
            "trained_on": today - timedelta(days=400),
            "expires_on": today - timedelta(days=1),
        }
    if hard in ("same_department", "leads_department"):
        options["department_id"] = department
    if soft == "off_call":
        options["on_call"] = []
    if soft == "is_coordinator" or hard == "is_assigner":
        options["extra_roles"] = (Role.support_coordinator,)
    target = make_supporter(engine, **options)  # type: ignore[arg-type]
    if hard == "is_assigner":
        coordinator = target.person
    if hard == "leads_department":
        give_roles_as_old_data(engine, target.id, Role.department_lead)
    if hard == "conflicting_roles":
        give_roles_as_old_data(engine, target.id, Role.safety_officer)
    if hard == "inactive":
        _update_supporter(engine, coordinator, target, is_active=False)
    if soft == "paused":
        _update_supporter(engine, coordinator, target, is_paused=True)
    if soft == "at_capacity":
        filler = make_request(engine, make_person(engine, Role.staff))
        _set_request(engine, filler, supporter_id=target.id, status=RequestStatus.assigned.value)
        _update_supporter(engine, coordinator, target, capacity=1)  # type: ignore[arg-type]

    if hard == "involved_in_event":
        request_id = _outreach_request(engine, coordinator, requester, [requester.id, target.id])
    elif hard == "is_requester":
        request_id = make_request(engine, target.person)
    else:
        request_id = make_request(engine, requester, not_own_department=hard == "same_department")
    if soft == "already_offered":
        # What the re-offer job records when a supporter let the offer lapse.
        # (Without a hard rule they were matched at once; the job then took it back.)
        _set_request(
            engine,
            request_id,
            passed_over_ids=[str(target.id)],
            supporter_id=None,
            status=RequestStatus.new.value,
        )
    with new_session(engine) as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.supporter_id is None  # nobody could be matched
    return Scene(coordinator, target, request_id)


def candidates_reason(client: TestClient, scene: Scene) -> str:
    response = client.get(
        f"{P}/requests/{scene.request_id}/candidates", headers=scene.coordinator.headers
    )
    assert response.status_code == 200, response.text
    (excluded,) = [
        e
        for e in response.json()["excluded"]
        if e["supporter_id"] == str(scene.target.supporter_id)
    ]
    return str(excluded["reason"])


def assign(client: TestClient, scene: Scene) -> object:
    return client.post(
        f"{P}/requests/{scene.request_id}/assignment",
        json={"supporter_id": str(scene.target.supporter_id)},
        headers={**scene.coordinator.headers, "If-Match": "*"},
    )


# Each hard rule with the soft rule named in the issue (paused) and with another soft one;
# together they cover every soft rule. tests/support/test_policy.py checks every pair.
PAIRS = [
    ("not_trained", "paused"),
    ("not_trained", "off_call"),
    ("training_expired", "paused"),
    ("training_expired", "at_capacity"),
    ("involved_in_event", "paused"),
    ("involved_in_event", "already_offered"),
    ("same_department", "paused"),
    ("same_department", "already_offered"),
    ("same_department", "is_coordinator"),
    ("inactive", "paused"),
    ("inactive", "off_call"),
    ("conflicting_roles", "paused"),
    ("conflicting_roles", "at_capacity"),
    ("leads_department", "paused"),
    ("is_requester", "paused"),
    ("is_requester", "off_call"),
    ("is_assigner", "paused"),
    ("is_assigner", "is_coordinator"),
]


@pytest.mark.parametrize(("hard", "soft"), PAIRS, ids=[f"{h}+{s}" for h, s in PAIRS])
def test_a_hard_rule_is_never_overridden_by_hand_whatever_soft_rule_comes_with_it(
    client: TestClient, engine: Engine, hard: str, soft: str
) -> None:
    scene = build(engine, hard, soft)
    assert candidates_reason(client, scene) == hard
    body = assert_problem(assign(client, scene), 422)  # type: ignore[arg-type]
    assert body["errors"] == [
        {"field": "supporter_id", "location": "body", "message": REFUSALS[hard]}
    ]
    with new_session(engine) as session:
        row = session.get(SupportRequest, scene.request_id)
        assert row is not None and row.supporter_id is None


SOFT = ["paused", "off_call", "at_capacity", "already_offered", "is_coordinator"]


@pytest.mark.parametrize("soft", SOFT)
def test_a_soft_rule_alone_may_be_overridden_by_hand(
    client: TestClient, engine: Engine, soft: str
) -> None:
    # The same set-ups, without a hard rule: the hand may override them (so the refusals
    # above come from the hard rule, not from a set-up that broke something else).
    scene = build(engine, None, soft)
    assert candidates_reason(client, scene) == soft
    response = assign(client, scene)
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert response.json()["supporter_id"] == str(scene.target.id)  # type: ignore[attr-defined]
