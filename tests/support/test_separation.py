"""The separation of roles in peer support (DESIGN.md, "Separation of roles"): nobody
supports people in a department they lead, a coordinator never becomes the supporter of a
request, and accounts older than the rule that hold a forbidden combination are never
matched. Such accounts can no longer be made (tests/org/test_role_grants.py), so they are
written here as an older database holds them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core.db import new_session
from haven.support import service
from haven.support.models import SupportRequest
from haven.support.policy import RequestFacts, SupporterFacts, Window, match_supporters
from haven.support.schemas import ExclusionReason, RequestStatus
from tests.core.test_http import assert_problem
from tests.factories.org import give_roles_as_old_data, make_department, make_person
from tests.factories.support import make_request, make_supporter

P = "/api/v1/support"


def _row(engine: Engine, request_id: uuid.UUID) -> SupportRequest:
    with new_session(engine) as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        return row


# --- pure rules -----------------------------------------------------------------------------

MONDAY_NOON = datetime(2026, 11, 23, 12, 0)
WARD = uuid.uuid4()


def _supporter(**overrides: object) -> SupporterFacts:
    base = SupporterFacts(
        supporter_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        display_name="Sam",
        department_id=WARD,
        professions=("nurse",),
        languages=("en",),
        capacity=3,
        open_caseload=0,
        is_active=True,
        is_paused=False,
        training_completed_on=date(2026, 1, 1),
        training_expires_on=None,
        windows=tuple(Window(d, 0, 0) for d in range(7)),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def _reason(request: RequestFacts, supporter: SupporterFacts) -> ExclusionReason | None:
    result = match_supporters(request, [supporter], local_now=MONDAY_NOON, today=MONDAY_NOON.date())
    return result.excluded[0].reason if result.excluded else None


def test_a_lead_is_never_matched_to_people_of_the_department_they_lead() -> None:
    lead = _supporter(led_department_id=WARD)
    assert _reason(RequestFacts(uuid.uuid4(), WARD), lead) == ExclusionReason.leads_department


def test_the_coordinator_assigning_is_never_a_candidate() -> None:
    supporter = _supporter()
    request = RequestFacts(uuid.uuid4(), uuid.uuid4(), assigner_id=supporter.user_id)
    assert _reason(request, supporter) == ExclusionReason.is_assigner


def test_a_supporter_who_also_coordinates_is_left_to_another_coordinators_hand() -> None:
    assert _reason(RequestFacts(uuid.uuid4(), uuid.uuid4()), _supporter(is_coordinator=True)) == (
        ExclusionReason.is_coordinator
    )


def test_a_supporter_holding_a_forbidden_combination_is_never_a_candidate() -> None:
    mixed = _supporter(has_conflicting_roles=True)
    assert _reason(RequestFacts(uuid.uuid4(), uuid.uuid4()), mixed) == (
        ExclusionReason.conflicting_roles
    )


# --- through the service and the API --------------------------------------------------------


def test_a_lead_on_the_roster_is_not_matched_to_their_own_departments_staff(
    client: TestClient, engine: Engine
) -> None:
    ward = make_department(engine)
    lead = make_supporter(engine, department_id=ward)
    give_roles_as_old_data(engine, lead.id, Role.department_lead)
    nurse = make_person(engine, Role.staff, department_id=ward)

    request_id = make_request(engine, nurse)
    row = _row(engine, request_id)
    assert row.supporter_id is None and row.status == RequestStatus.new

    coordinator = make_person(engine, Role.support_coordinator)
    candidates = client.get(
        f"{P}/requests/{request_id}/candidates", headers=coordinator.headers
    ).json()
    assert candidates["eligible"] == []
    assert [(e["user_id"], e["reason"]) for e in candidates["excluded"]] == [
        (str(lead.id), "leads_department")
    ]
    by_hand = client.post(
        f"{P}/requests/{request_id}/assignment",
        json={"supporter_id": str(lead.supporter_id)},
        headers={**coordinator.headers, "If-Match": "*"},
    )
    body = assert_problem(by_hand, 422)
    assert body["errors"][0]["field"] == "supporter_id"
    assert body["errors"][0]["message"] == "They lead the requester's department."
    assert _row(engine, request_id).supporter_id is None


def test_a_coordinator_who_is_also_a_supporter_cannot_take_a_request_themself(
    client: TestClient, engine: Engine
) -> None:
    both = make_supporter(engine, extra_roles=(Role.support_coordinator,))
    nurse = make_person(engine, Role.staff)

    request_id = make_request(engine, nurse)
    assert _row(engine, request_id).supporter_id is None  # matching never picks them

    by_hand = client.post(
        f"{P}/requests/{request_id}/assignment",
        json={"supporter_id": str(both.supporter_id)},
        headers={**both.headers, "If-Match": "*"},
    )
    body = assert_problem(by_hand, 422)
    assert body["errors"][0]["message"] == "You cannot assign a request to yourself."
    by_matching = client.post(
        f"{P}/requests/{request_id}/assignment",
        json={"supporter_id": None},
        headers={**both.headers, "If-Match": "*"},
    )
    assert_problem(by_matching, 409)
    # Pausing every other supporter would leave them the only one: the jobs skip them too.
    with new_session(engine) as session:
        assert service.assign_waiting_requests(session) == 0
        session.commit()
    assert _row(engine, request_id).supporter_id is None
    # They see the board's shape only: not who asked, nor how to reach them.
    seen = client.get(f"{P}/requests/{request_id}", headers=both.headers).json()
    assert seen["view"] == "coordinator"
    assert "contact_details" not in seen and "requester_name" not in seen


def test_another_coordinator_may_assign_a_coordinator_who_supports_by_hand(
    client: TestClient, engine: Engine
) -> None:
    both = make_supporter(engine, extra_roles=(Role.support_coordinator,))
    request_id = make_request(engine, make_person(engine, Role.staff))
    other = make_person(engine, Role.support_coordinator)
    candidates = client.get(f"{P}/requests/{request_id}/candidates", headers=other.headers)
    assert [e["reason"] for e in candidates.json()["excluded"]] == ["is_coordinator"]
    response = client.post(
        f"{P}/requests/{request_id}/assignment",
        json={"supporter_id": str(both.supporter_id)},
        headers={**other.headers, "If-Match": "*"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["supporter_id"] == str(both.id)


def test_another_coordinator_cannot_assign_a_supporter_with_a_forbidden_combination(
    client: TestClient, engine: Engine
) -> None:
    officer = make_supporter(engine)
    give_roles_as_old_data(engine, officer.id, Role.safety_officer)
    coordinator = make_person(engine, Role.support_coordinator)
    request_id = make_request(engine, make_person(engine, Role.staff))
    response = client.post(
        f"{P}/requests/{request_id}/assignment",
        json={"supporter_id": str(officer.supporter_id)},
        headers={**coordinator.headers, "If-Match": "*"},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["message"] == "They hold a role that may not support people."


@pytest.mark.parametrize("role", [Role.safety_officer, Role.department_lead, Role.admin])
def test_an_account_with_a_forbidden_combination_cannot_join_the_roster(
    client: TestClient, engine: Engine, role: Role
) -> None:
    person = make_person(
        engine, Role.staff, Role.peer_supporter, department_id=make_department(engine)
    )
    give_roles_as_old_data(engine, person.id, role)
    coordinator = make_person(engine, Role.support_coordinator)
    response = client.post(
        f"{P}/supporters",
        json={"user_id": str(person.id), "training_completed_on": "2026-01-05"},
        headers=coordinator.headers,
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["user_id"]


def test_a_lead_is_still_matched_when_they_no_longer_lead(engine: Engine) -> None:
    # The rule follows the account as it is: without the lead role, the same person may
    # support their colleagues again (unless they asked for another department).
    ward = make_department(engine)
    supporter = make_supporter(engine, department_id=ward)
    request_id = make_request(engine, make_person(engine, Role.staff, department_id=ward))
    assert _row(engine, request_id).supporter_id == supporter.id
