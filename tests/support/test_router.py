"""HTTP behaviour of /api/v1/support and its role matrix."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role, Scope
from haven.core import clock
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_api_key, make_department, make_person
from tests.factories.support import ALWAYS, SupporterPerson, make_request, make_supporter
from tests.test_access_rules import api_routes

STAFF = {
    Role.staff,
    Role.peer_supporter,
    Role.support_coordinator,
    Role.safety_officer,
    Role.department_lead,
}
EVERYONE = set(Role)
COORD = {Role.support_coordinator}
SUPPORTER = {Role.peer_supporter}
P = "/api/v1/support"

# Who may call each route (the rest get 403 before anything is looked up).
MATRIX: dict[tuple[str, str], set[Role] | None] = {
    ("GET", f"{P}/resources"): None,  # public
    ("PUT", f"{P}/resources"): {Role.admin},
    ("GET", f"{P}/settings"): EVERYONE,
    ("GET", f"{P}/supporters"): COORD,
    ("POST", f"{P}/supporters"): COORD,
    ("GET", f"{P}/supporters/me/availability"): SUPPORTER,
    ("PUT", f"{P}/supporters/me/availability"): SUPPORTER,
    ("GET", f"{P}/supporters/{{supporter_id}}"): COORD,
    ("PATCH", f"{P}/supporters/{{supporter_id}}"): COORD,
    ("POST", f"{P}/requests"): STAFF,
    ("GET", f"{P}/requests/mine"): STAFF,
    ("GET", f"{P}/requests/assigned"): SUPPORTER,
    ("GET", f"{P}/requests"): COORD,
    ("GET", f"{P}/requests/{{request_id}}"): STAFF,
    ("POST", f"{P}/requests/{{request_id}}/transitions"): STAFF,
    ("POST", f"{P}/requests/{{request_id}}/assignment"): COORD,
    ("POST", f"{P}/requests/{{request_id}}/escalation"): SUPPORTER | COORD,
    ("GET", f"{P}/requests/{{request_id}}/candidates"): COORD,
    ("GET", f"{P}/requests/{{request_id}}/encounters"): STAFF,
    ("POST", f"{P}/requests/{{request_id}}/encounters"): SUPPORTER,
    ("GET", f"{P}/requests/{{request_id}}/follow-ups"): STAFF,
    ("POST", f"{P}/requests/{{request_id}}/follow-ups"): SUPPORTER,
    ("PATCH", f"{P}/requests/{{request_id}}/follow-ups/{{follow_up_id}}"): SUPPORTER,
    ("GET", f"{P}/follow-ups/due"): SUPPORTER,
    ("POST", f"{P}/requests/{{request_id}}/feedback"): STAFF,
    ("GET", f"{P}/feedback/summary"): COORD,
    ("GET", f"{P}/metrics"): COORD,
    ("GET", f"{P}/outreach"): COORD,
    ("POST", f"{P}/outreach/{{task_id}}/accept"): COORD,
    ("POST", f"{P}/outreach/{{task_id}}/decline"): COORD,
}


def test_the_matrix_lists_every_support_route(app: FastAPI) -> None:
    routes = {(m, p) for m, p, _ in api_routes(app) if p.startswith(P)}
    assert routes == set(MATRIX)


def _fill(path: str) -> str:
    out = path
    for name in ("supporter_id", "request_id", "follow_up_id", "task_id"):
        out = out.replace("{" + name + "}", str(uuid.uuid4()))
    return out


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_only_its_routes(client: TestClient, engine: Engine, role: Role) -> None:
    person = make_person(engine, role)
    for (method, path), allowed in MATRIX.items():
        response = client.request(method, _fill(path), json={}, headers=person.headers)
        refused = response.status_code == 403
        should_refuse = allowed is not None and role not in allowed
        assert refused == should_refuse, (role, method, path, response.status_code)


def test_an_api_key_with_every_scope_reaches_no_support_route(
    client: TestClient, engine: Engine
) -> None:
    key = make_api_key(engine, list(Scope))
    for (method, path), allowed in MATRIX.items():
        if allowed is None:
            continue
        response = client.request(
            method, _fill(path), json={}, headers={"Authorization": f"Bearer {key}"}
        )
        assert_problem(response, 403)


def test_without_sign_in_only_the_resources_answer(client: TestClient) -> None:
    for (method, path), allowed in MATRIX.items():
        response = client.request(method, _fill(path), json={})
        assert response.status_code == (200 if allowed is None else 401), (method, path)


# --- resources -----------------------------------------------------------------------------


RESOURCES = {
    "items": [
        {"kind": "crisis_line", "name": "Samaritans", "phone": "116 123", "hours": "24/7"},
        {"kind": "employee_assistance", "name": "EAP", "url": "https://eap.example.org"},
    ]
}


def test_the_crisis_resources_are_open_to_anyone_and_never_cached(
    client: TestClient, engine: Engine
) -> None:
    admin = make_person(engine, Role.admin)
    put = client.put(f"{P}/resources", json=RESOURCES, headers={**admin.headers, "If-Match": '"0"'})
    assert put.status_code == 200 and put.headers["etag"] == '"1"'
    response = client.get(f"{P}/resources")
    assert response.status_code == 200
    assert [i["phone"] for i in response.json()["items"]] == ["116 123", None]
    assert response.headers["cache-control"] == "no-store"


def test_changing_resources_needs_the_current_version(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    assert_problem(client.put(f"{P}/resources", json=RESOURCES, headers=admin.headers), 428)
    assert_problem(
        client.put(f"{P}/resources", json=RESOURCES, headers={**admin.headers, "If-Match": '"4"'}),
        412,
    )


def test_a_resource_link_must_be_a_web_address(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    body = {"items": [{"kind": "other", "name": "x", "url": "javascript:alert(1)"}]}
    problem = assert_problem(
        client.put(f"{P}/resources", json=body, headers={**admin.headers, "If-Match": "*"}), 422
    )
    assert problem["errors"][0]["field"] == "items.0.url"


# --- requests ------------------------------------------------------------------------------


def test_asking_for_support_answers_with_who_will_see_it(
    client: TestClient, engine: Engine
) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    response = client.post(f"{P}/requests", json={"urgency": "soon"}, headers=nurse.headers)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "assigned" and "never see it" in body["who_sees_it"]
    assert "contact_details" not in body


@pytest.mark.parametrize(
    "body",
    [
        {"urgency": "soon", "report_id": str(uuid.uuid4())},
        {"urgency": "soon", "what_happened": "a fall"},
        {"urgency": "soon", "contact_details": "x" * 201},
        {"urgency": "whenever"},
        {"urgency": "soon", "kind": "referral"},
        {"urgency": "soon", "kind": "outreach"},
        {"urgency": "soon", "tier": 4},
    ],
)
def test_a_request_refuses_what_it_cannot_hold(
    client: TestClient, engine: Engine, body: dict[str, Any]
) -> None:
    nurse = make_person(engine, Role.staff)
    assert_problem(client.post(f"{P}/requests", json=body, headers=nurse.headers), 422)


def test_a_retried_request_is_created_once(client: TestClient, engine: Engine) -> None:
    nurse = make_person(engine, Role.staff)
    headers = {**nurse.headers, "Idempotency-Key": "ask-once"}
    first = client.post(f"{P}/requests", json={"urgency": "soon"}, headers=headers)
    again = client.post(f"{P}/requests", json={"urgency": "soon"}, headers=headers)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    mine = client.get(f"{P}/requests/mine", headers=nurse.headers).json()["items"]
    assert len(mine) == 1


@pytest.fixture
def case(engine: Engine) -> tuple[Person, SupporterPerson, Person, uuid.UUID]:
    supporter = make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    coordinator = make_person(engine, Role.support_coordinator)
    request_id = make_request(
        engine, nurse, contact_details="07700 900123", preferred_times="mornings"
    )
    return nurse, supporter, coordinator, request_id


def test_each_party_sees_its_own_shape(client: TestClient, case: Any) -> None:
    nurse, supporter, coordinator, request_id = case
    url = f"{P}/requests/{request_id}"
    mine = client.get(url, headers=nurse.headers).json()
    theirs = client.get(url, headers=supporter.headers).json()
    board = client.get(url, headers=coordinator.headers).json()
    assert (mine["view"], theirs["view"], board["view"]) == (
        "requester",
        "supporter",
        "coordinator",
    )
    assert mine["contact_details"] == theirs["contact_details"] == "07700 900123"
    # Each shape has only its viewer's fields: what another may not see is not there at all.
    assert "requester_name" not in mine and theirs["requester_name"]
    assert "contact_details" not in board and "preferred_times" not in board
    assert "requester_name" not in board and board["audit_ref"] is not None
    assert "audit_ref" not in mine and "audit_ref" not in theirs


def test_outsiders_get_the_same_404_as_for_a_request_that_does_not_exist(
    client: TestClient, engine: Engine, case: Any
) -> None:
    _, _, _, request_id = case
    lead = make_person(engine, Role.department_lead)
    real = assert_problem(client.get(f"{P}/requests/{request_id}", headers=lead.headers), 404)
    fake = assert_problem(client.get(f"{P}/requests/{uuid.uuid4()}", headers=lead.headers), 404)
    assert real["detail"] == fake["detail"]


def test_an_outsider_learns_nothing_from_a_missing_if_match(
    client: TestClient, engine: Engine, case: Any
) -> None:
    _, _, _, request_id = case
    officer = make_person(engine, Role.safety_officer)
    assert_problem(
        client.post(
            f"{P}/requests/{request_id}/transitions", json={"to": "closed"}, headers=officer.headers
        ),
        404,
    )


def test_status_changes_need_the_current_version(client: TestClient, case: Any) -> None:
    _, supporter, _, request_id = case
    url = f"{P}/requests/{request_id}/transitions"
    assert_problem(client.post(url, json={"to": "contacted"}, headers=supporter.headers), 428)
    assert_problem(
        client.post(
            url, json={"to": "contacted"}, headers={**supporter.headers, "If-Match": '"1"'}
        ),
        412,
    )
    ok = client.post(
        url, json={"to": "contacted"}, headers={**supporter.headers, "If-Match": '"2"'}
    )
    assert ok.status_code == 200 and ok.headers["etag"] == '"3"'
    assert ok.json()["first_contact_at"] is not None


def test_a_move_the_status_does_not_allow_is_a_409(client: TestClient, case: Any) -> None:
    _, supporter, _, request_id = case
    problem = assert_problem(
        client.post(
            f"{P}/requests/{request_id}/transitions",
            json={"to": "active"},
            headers={**supporter.headers, "If-Match": "*"},
        ),
        409,
    )
    assert problem["errors"][0]["field"] == "to"


def test_the_coordinator_sees_candidates_and_reassigns(
    client: TestClient, engine: Engine, case: Any
) -> None:
    _, supporter, coordinator, request_id = case
    off_call = make_supporter(engine, on_call=[])
    candidates = client.get(
        f"{P}/requests/{request_id}/candidates", headers=coordinator.headers
    ).json()
    reasons = {e["supporter_id"]: e["reason"] for e in candidates["excluded"]}
    assert reasons[str(off_call.supporter_id)] == "off_call"
    assert [c["supporter_id"] for c in candidates["eligible"]] == [str(supporter.supporter_id)]
    moved = client.post(
        f"{P}/requests/{request_id}/assignment",
        json={"supporter_id": str(off_call.supporter_id)},
        headers={**coordinator.headers, "If-Match": "*"},
    )
    assert moved.status_code == 200 and moved.json()["supporter_id"] == str(off_call.id)
    assert_problem(client.get(f"{P}/requests/{request_id}", headers=supporter.headers), 404)


def test_logging_an_encounter_takes_one_short_call(client: TestClient, case: Any) -> None:
    _, supporter, _, request_id = case
    response = client.post(
        f"{P}/requests/{request_id}/encounters",
        json={
            "occurred_at": (clock.now() - timedelta(minutes=3)).isoformat(),
            "minutes": 20,
            "channel": "phone",
            "tier": 2,
            "outcome": "follow_up",
        },
        headers=supporter.headers,
    )
    assert response.status_code == 201
    follow_ups = client.get(f"{P}/requests/{request_id}/follow-ups", headers=supporter.headers)
    assert len(follow_ups.json()) == 3


def test_an_encounter_has_no_field_for_event_facts(client: TestClient, case: Any) -> None:
    _, supporter, _, request_id = case
    body = {
        "occurred_at": clock.now().isoformat(),
        "minutes": 20,
        "channel": "phone",
        "tier": 2,
        "outcome": "resolved",
        "what_happened": "the wrong dose",
    }
    assert_problem(
        client.post(f"{P}/requests/{request_id}/encounters", json=body, headers=supporter.headers),
        422,
    )


def test_a_follow_up_is_marked_done_with_its_version(client: TestClient, case: Any) -> None:
    _, supporter, _, request_id = case
    added = client.post(
        f"{P}/requests/{request_id}/follow-ups",
        json={"due_on": clock.today().isoformat()},
        headers=supporter.headers,
    ).json()
    due = client.get(f"{P}/follow-ups/due", headers=supporter.headers).json()
    assert [d["id"] for d in due] == [added["id"]]
    done = client.patch(
        f"{P}/requests/{request_id}/follow-ups/{added['id']}",
        json={"status": "done"},
        headers={**supporter.headers, "If-Match": '"1"'},
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.get(f"{P}/follow-ups/due", headers=supporter.headers).json() == []


def test_a_supporter_sets_availability_and_pauses(client: TestClient, engine: Engine) -> None:
    supporter = make_supporter(engine)
    url = f"{P}/supporters/me/availability"
    current = client.get(url, headers=supporter.headers)
    assert current.json()["is_on_call_now"] is True
    paused = client.put(
        url,
        json={"on_call": [w.model_dump() for w in ALWAYS], "is_paused": True},
        headers={**supporter.headers, "If-Match": current.headers["etag"]},
    )
    assert paused.status_code == 200 and paused.json()["is_paused"] is True
    nurse = make_person(engine, Role.staff)
    created = client.post(f"{P}/requests", json={"urgency": "urgent"}, headers=nurse.headers)
    assert created.json()["status"] == "new"


def test_a_supporter_not_on_the_roster_has_no_availability(
    client: TestClient, engine: Engine
) -> None:
    person = make_person(engine, Role.peer_supporter)
    assert_problem(client.get(f"{P}/supporters/me/availability", headers=person.headers), 404)


def test_the_roster_needs_the_peer_supporter_role(client: TestClient, engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    nurse = make_person(engine, Role.staff)
    problem = assert_problem(
        client.post(
            f"{P}/supporters", json={"user_id": str(nurse.id)}, headers=coordinator.headers
        ),
        422,
    )
    assert problem["errors"][0]["field"] == "user_id"


def test_the_coordinator_adds_a_supporter_by_email(client: TestClient, engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    person = make_person(engine, Role.staff, Role.peer_supporter)
    response = client.post(
        f"{P}/supporters",
        json={"email": person.email.upper(), "training_completed_on": "2026-02-01", "capacity": 2},
        headers=coordinator.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == str(person.id) and response.json()["capacity"] == 2
    assert_problem(
        client.post(
            f"{P}/supporters",
            json={"email": person.email, "user_id": str(person.id)},
            headers=coordinator.headers,
        ),
        422,
    )


def test_a_person_is_on_the_roster_once(client: TestClient, engine: Engine) -> None:
    supporter = make_supporter(engine)
    coordinator = make_person(engine, Role.support_coordinator)
    assert_problem(
        client.post(
            f"{P}/supporters", json={"user_id": str(supporter.id)}, headers=coordinator.headers
        ),
        409,
    )


def test_training_cannot_expire_before_it_was_done(client: TestClient, engine: Engine) -> None:
    supporter = make_supporter(engine)
    coordinator = make_person(engine, Role.support_coordinator)
    assert_problem(
        client.patch(
            f"{P}/supporters/{supporter.supporter_id}",
            json={"training_expires_on": "2025-01-01"},
            headers={**coordinator.headers, "If-Match": "*"},
        ),
        422,
    )


def test_on_call_times_are_checked(client: TestClient, engine: Engine) -> None:
    supporter = make_supporter(engine)
    body = {"on_call": [{"weekday": 7, "start": "25:00", "end": "9"}], "is_paused": False}
    problem = assert_problem(
        client.put(
            f"{P}/supporters/me/availability",
            json=body,
            headers={**supporter.headers, "If-Match": "*"},
        ),
        422,
    )
    assert {e["field"] for e in problem["errors"]} == {
        "on_call.0.weekday",
        "on_call.0.start",
        "on_call.0.end",
    }


def test_page_size_is_limited(client: TestClient, engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    assert_problem(client.get(f"{P}/requests?limit=201", headers=coordinator.headers), 422)


def test_the_board_filters_overdue_requests(client: TestClient, engine: Engine) -> None:
    start = clock.now() - timedelta(minutes=40)
    clock.set_clock(lambda: start)
    late = make_request(engine, make_person(engine, Role.staff), urgency="urgent")
    make_request(engine, make_person(engine, Role.staff), urgency="routine")
    clock.set_clock(None)
    coordinator = make_person(engine, Role.support_coordinator)
    board = client.get(f"{P}/requests?overdue=true", headers=coordinator.headers).json()
    assert [r["id"] for r in board["items"]] == [str(late)]
    assert board["items"][0]["is_overdue"] is True


# --- outreach through the reports API ----------------------------------------------------


def _serious_report(client: TestClient, reporter: Person, department_id: uuid.UUID) -> str:
    response = client.post(
        "/api/v1/reports",
        json={
            "mode": "named",
            "kind": "incident",
            "category": "fall",
            "harm": "moderate",
            "occurred_on": clock.today().isoformat(),
            "department_id": str(department_id),
            "description": "A fall.",
        },
        headers=reporter.headers,
    )
    assert response.status_code == 201
    return str(response.json()["id"])


def test_naming_involved_staff_gives_the_coordinator_outreach_tasks(
    client: TestClient, engine: Engine
) -> None:
    ward = make_department(engine)
    officer = make_person(engine, Role.safety_officer)
    coordinator = make_person(engine, Role.support_coordinator)
    nurse = make_person(engine, Role.staff, department_id=ward)
    report_id = _serious_report(client, nurse, ward)
    url = f"/api/v1/reports/{report_id}/involved-staff"
    for _ in range(2):  # a repeated PUT adds no second task
        put = client.put(url, json={"staff_ids": [str(nurse.id)]}, headers=officer.headers)
        assert put.status_code == 200
    tasks = client.get(f"{P}/outreach", headers=coordinator.headers).json()["items"]
    assert [(t["person_id"], t["source"], t["status"]) for t in tasks] == [
        (str(nurse.id), "event_review", "open")
    ]
    assert report_id not in str(tasks)
    accepted = client.post(
        f"{P}/outreach/{tasks[0]['id']}/accept",
        json={"urgency": "soon"},
        headers={**coordinator.headers, "If-Match": '"1"'},
    )
    assert accepted.status_code == 201 and accepted.json()["kind"] == "outreach"
    mine = client.get(f"{P}/requests/mine", headers=nurse.headers).json()["items"]
    assert [r["kind"] for r in mine] == ["outreach"]


def test_a_mild_event_gives_no_outreach(client: TestClient, engine: Engine) -> None:
    ward = make_department(engine)
    officer = make_person(engine, Role.safety_officer)
    coordinator = make_person(engine, Role.support_coordinator)
    nurse = make_person(engine, Role.staff, department_id=ward)
    response = client.post(
        "/api/v1/reports",
        json={
            "mode": "named",
            "kind": "incident",
            "category": "fall",
            "harm": "mild",
            "occurred_on": clock.today().isoformat(),
            "department_id": str(ward),
            "description": "A fall.",
        },
        headers=nurse.headers,
    )
    report_id = response.json()["id"]
    client.put(
        f"/api/v1/reports/{report_id}/involved-staff",
        json={"staff_ids": [str(nurse.id)]},
        headers=officer.headers,
    )
    assert client.get(f"{P}/outreach", headers=coordinator.headers).json()["items"] == []


def test_the_program_figures_are_for_the_coordinator(client: TestClient, engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    make_request(engine, make_person(engine, Role.staff), urgency="urgent")
    metrics = client.get(f"{P}/metrics", headers=coordinator.headers).json()
    urgent = next(m for m in metrics["by_urgency"] if m["urgency"] == "urgent")
    assert urgent["requests"] == 1 and urgent["target_minutes"] == 30
    assert metrics["feedback"]["suppressed"] is True
    summary = client.get(f"{P}/feedback/summary", headers=coordinator.headers).json()
    assert summary["answers"] is None and summary["min_answers"] == 5


def test_settings_tell_the_client_the_targets(client: TestClient, engine: Engine) -> None:
    nurse = make_person(engine, Role.staff)
    settings = client.get(f"{P}/settings", headers=nurse.headers).json()
    assert settings["target_minutes"] == {"urgent": 30, "soon": 240, "routine": 1440}
    assert settings["private_notes_enabled"] is False
