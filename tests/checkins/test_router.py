"""Check-in and staffing endpoints: who may call what, and how they answer."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role, Scope
from haven.checkins.service import period_bounds
from haven.core import clock
from haven.core.weeks import monday_of
from tests.core.test_http import assert_problem
from tests.factories.checkins import answers
from tests.factories.org import access_token_for, make_api_key, make_department, make_person

STAFF_ROLES = [
    Role.staff,
    Role.peer_supporter,
    Role.support_coordinator,
    Role.safety_officer,
    Role.department_lead,
]
NOT_STAFF = [Role.admin, Role.auditor]
# python-jose checks a token's expiry against the wall clock: tests move time forward only.
_MONDAY = monday_of(datetime.now(UTC).date()) + timedelta(weeks=3)
WEDNESDAY = datetime.combine(_MONDAY + timedelta(days=2), time(10, 0), tzinfo=UTC)
MONDAY = _MONDAY.isoformat()
SUNDAY = (_MONDAY + timedelta(days=6)).isoformat()


@pytest.fixture(autouse=True)
def _wednesday() -> None:
    clock.set_clock(lambda: WEDNESDAY)


# --- check-ins ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_roles_get_the_current_checkin(
    client: TestClient, engine: Engine, role: Role
) -> None:
    person = make_person(engine, role, department_id=make_department(engine))
    response = client.get("/api/v1/checkins/current", headers=person.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["period_start"], body["period_end"]) == (MONDAY, SUNDAY)
    assert body["has_answered"] is False
    assert [q["key"] for q in body["questions"]] == [
        "stress",
        "workload_manageable",
        "staffing_adequate",
        "supported",
        "speak_up",
        "reach_out",
    ]


@pytest.mark.parametrize("role", NOT_STAFF)
def test_admins_and_auditors_do_not_answer_checkins(
    client: TestClient, engine: Engine, role: Role
) -> None:
    person = make_person(engine, role)
    assert_problem(client.get("/api/v1/checkins/current", headers=person.headers), 403)
    assert_problem(
        client.post(
            "/api/v1/checkins/responses", json={"answers": answers()}, headers=person.headers
        ),
        403,
    )


def test_api_keys_cannot_answer_checkins(client: TestClient, engine: Engine) -> None:
    key = make_api_key(engine, list(Scope))
    response = client.post(
        "/api/v1/checkins/responses",
        json={"answers": answers()},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert_problem(response, 403)


def test_anonymous_callers_are_refused(client: TestClient, engine: Engine) -> None:
    assert_problem(client.get("/api/v1/checkins/current"), 401)
    assert_problem(client.post("/api/v1/checkins/responses", json={"answers": answers()}), 401)


def test_answering_returns_the_period_and_marks_it_answered(
    client: TestClient, engine: Engine
) -> None:
    person = make_person(engine, department_id=make_department(engine))
    response = client.post(
        "/api/v1/checkins/responses", json={"answers": answers()}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    assert response.json() == {
        "period_start": MONDAY,
        "period_end": SUNDAY,
        "support_requested": False,
    }
    current = client.get("/api/v1/checkins/current", headers=person.headers).json()
    assert current["has_answered"] is True


def test_a_second_answer_in_the_same_period_is_409(client: TestClient, engine: Engine) -> None:
    person = make_person(engine, department_id=make_department(engine))
    first = client.post(
        "/api/v1/checkins/responses", json={"answers": answers()}, headers=person.headers
    )
    assert first.status_code == 201
    second = client.post(
        "/api/v1/checkins/responses", json={"answers": answers(stress=5)}, headers=person.headers
    )
    assert_problem(second, 409)


def test_the_next_period_can_be_answered(client: TestClient, engine: Engine) -> None:
    person = make_person(engine, department_id=make_department(engine))
    client.post("/api/v1/checkins/responses", json={"answers": answers()}, headers=person.headers)
    clock.set_clock(lambda: WEDNESDAY + timedelta(days=7))
    headers = {"Authorization": f"Bearer {access_token_for(person.id)}"}
    response = client.post(
        "/api/v1/checkins/responses", json={"answers": answers()}, headers=headers
    )
    assert response.status_code == 201
    assert response.json()["period_start"] == (_MONDAY + timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stress": 6}, "answers.stress"),
        ({"stress": 0}, "answers.stress"),
        ({"stress": True}, "answers.stress"),
        ({"stress": "3"}, "answers.stress"),
        ({"workload_manageable": 1}, "answers.workload_manageable"),
        ({"mystery": 3}, "answers.mystery"),
    ],
)
def test_invalid_answers_are_422_with_the_field(
    client: TestClient, engine: Engine, change: dict[str, object], field: str
) -> None:
    person = make_person(engine, department_id=make_department(engine))
    body = {"answers": {**answers(), **change}}
    problem = assert_problem(
        client.post("/api/v1/checkins/responses", json=body, headers=person.headers), 422
    )
    assert field in {e["field"] for e in problem["errors"]}


def test_a_missing_required_answer_is_422(client: TestClient, engine: Engine) -> None:
    person = make_person(engine, department_id=make_department(engine))
    body = answers()
    del body["supported"]
    problem = assert_problem(
        client.post("/api/v1/checkins/responses", json={"answers": body}, headers=person.headers),
        422,
    )
    assert {e["field"] for e in problem["errors"]} == {"answers.supported"}


def test_reach_out_without_consent_is_422_on_the_consent(
    client: TestClient, engine: Engine
) -> None:
    person = make_person(engine, department_id=make_department(engine))
    body = {"answers": answers(reach_out=True), "consent_to_contact": False}
    problem = assert_problem(
        client.post("/api/v1/checkins/responses", json=body, headers=person.headers), 422
    )
    assert {e["field"] for e in problem["errors"]} == {"consent_to_contact"}


def test_a_refused_answer_leaves_the_period_open(client: TestClient, engine: Engine) -> None:
    person = make_person(engine, department_id=make_department(engine))
    client.post(
        "/api/v1/checkins/responses",
        json={"answers": {**answers(), "stress": 9}},
        headers=person.headers,
    )
    assert (
        client.get("/api/v1/checkins/current", headers=person.headers).json()["has_answered"]
        is False
    )


def test_unknown_body_fields_are_refused(client: TestClient, engine: Engine) -> None:
    person = make_person(engine, department_id=make_department(engine))
    body = {"answers": answers(), "department_id": str(make_department(engine))}
    assert_problem(
        client.post("/api/v1/checkins/responses", json=body, headers=person.headers), 422
    )


# --- templates ---------------------------------------------------------------------------

TEMPLATE = {
    "name": "Night shift pulse",
    "period": "fortnightly",
    "questions": [
        {"key": "stress", "text": "Stress?", "type": "scale_1_5", "higher_is_better": False},
        {"key": "rested", "text": "Did you rest?", "type": "yes_no"},
        {"key": "comment", "text": "Anything else?", "type": "short_text"},
    ],
}


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.admin])
def test_only_admins_manage_templates(client: TestClient, engine: Engine, role: Role) -> None:
    person = make_person(engine, role)
    assert_problem(client.get("/api/v1/checkins/templates", headers=person.headers), 403)
    assert_problem(
        client.post("/api/v1/checkins/templates", json=TEMPLATE, headers=person.headers), 403
    )


def test_the_default_template_is_seeded_and_listed(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    page = client.get("/api/v1/checkins/templates", headers=admin.headers).json()
    assert [t["name"] for t in page["items"]] == ["Weekly well-being check-in"]
    assert page["items"][0]["is_active"] is True


def test_activating_a_new_template_changes_the_current_checkin(
    client: TestClient, engine: Engine
) -> None:
    admin = make_person(engine, Role.admin)
    staff = make_person(engine, department_id=make_department(engine))
    assert (
        client.get("/api/v1/checkins/current", headers=staff.headers).json()["period"] == "weekly"
    )
    created = client.post(
        "/api/v1/checkins/templates", json={**TEMPLATE, "is_active": True}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    current = client.get("/api/v1/checkins/current", headers=staff.headers).json()
    assert current["name"] == "Night shift pulse"
    start, end = period_bounds("fortnightly", WEDNESDAY.date())
    assert (end - start).days == 13
    assert (current["period_start"], current["period_end"]) == (start.isoformat(), end.isoformat())
    templates = client.get("/api/v1/checkins/templates", headers=admin.headers).json()["items"]
    assert sorted((t["name"], t["is_active"]) for t in templates) == [
        ("Night shift pulse", True),
        ("Weekly well-being check-in", False),
    ]


def test_template_update_needs_if_match(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    created = client.post("/api/v1/checkins/templates", json=TEMPLATE, headers=admin.headers).json()
    url = f"/api/v1/checkins/templates/{created['id']}"
    assert_problem(client.patch(url, json={"name": "Renamed"}, headers=admin.headers), 428)
    stale = client.patch(
        url, json={"name": "Renamed"}, headers={**admin.headers, "If-Match": '"9"'}
    )
    assert_problem(stale, 412)
    ok = client.patch(url, json={"name": "Renamed"}, headers={**admin.headers, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    assert ok.headers["ETag"] == '"2"'


@pytest.mark.parametrize(
    "questions",
    [
        [],
        [{"key": "a", "text": "A", "type": "yes_no"}, {"key": "a", "text": "B", "type": "yes_no"}],
        [{"key": "Bad Key", "text": "A", "type": "yes_no"}],
        [{"key": "a", "text": "A", "type": "dropdown"}],
        [{"key": "a", "text": "x" * 301, "type": "yes_no"}],
        [
            {"key": "a", "text": "A", "type": "reach_out"},
            {"key": "b", "text": "B", "type": "reach_out"},
        ],
    ],
)
def test_invalid_templates_are_422(
    client: TestClient, engine: Engine, questions: list[object]
) -> None:
    admin = make_person(engine, Role.admin)
    body = {**TEMPLATE, "questions": questions}
    assert_problem(client.post("/api/v1/checkins/templates", json=body, headers=admin.headers), 422)


def test_unknown_template_is_404(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    assert_problem(
        client.get(
            "/api/v1/checkins/templates/00000000-0000-4000-8000-000000000000", headers=admin.headers
        ),
        404,
    )


# --- staffing ----------------------------------------------------------------------------


def _shift(department_id: object, **change: object) -> dict[str, object]:
    return {
        "department_id": str(department_id),
        "shift_on": (_MONDAY + timedelta(days=1)).isoformat(),
        "shift": "night",
        "planned_staff": 8,
        "actual_staff": 6,
        "patient_census": 24,
        **change,
    }


def test_a_lead_records_their_departments_shift(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    response = client.post(
        "/api/v1/staffing/shifts", json=_shift(lead.department_id), headers=lead.headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    body = response.json()
    assert (body["planned_staff"], body["actual_staff"], body["source"]) == (8, 6, "web")
    read = client.get(f"/api/v1/staffing/shifts/{body['id']}", headers=lead.headers)
    assert read.status_code == 200


def test_a_lead_cannot_record_another_departments_shift(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    other = make_department(engine)
    assert_problem(
        client.post("/api/v1/staffing/shifts", json=_shift(other), headers=lead.headers), 403
    )


@pytest.mark.parametrize(
    "role",
    [
        Role.staff,
        Role.peer_supporter,
        Role.support_coordinator,
        Role.safety_officer,
        Role.admin,
        Role.auditor,
    ],
)
def test_other_roles_cannot_record_staffing(client: TestClient, engine: Engine, role: Role) -> None:
    person = make_person(engine, role, department_id=make_department(engine))
    body = _shift(person.department_id)
    assert_problem(client.post("/api/v1/staffing/shifts", json=body, headers=person.headers), 403)
    assert_problem(
        client.post("/api/v1/staffing/shifts:batch", json={"rows": [body]}, headers=person.headers),
        403,
    )


def test_a_staffing_key_records_any_department(client: TestClient, engine: Engine) -> None:
    key = make_api_key(engine, [Scope.staffing_write])
    department = make_department(engine)
    response = client.post(
        "/api/v1/staffing/shifts",
        json=_shift(department),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201
    assert response.json()["source"] == "api"


def test_a_key_without_the_scope_is_refused(client: TestClient, engine: Engine) -> None:
    key = make_api_key(engine, [Scope.reports_write, Scope.reports_read])
    response = client.post(
        "/api/v1/staffing/shifts",
        json=_shift(make_department(engine)),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert_problem(response, 403)


def test_repeating_a_shift_without_if_match_is_409(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    client.post("/api/v1/staffing/shifts", json=_shift(lead.department_id), headers=lead.headers)
    again = client.post(
        "/api/v1/staffing/shifts",
        json=_shift(lead.department_id, actual_staff=7),
        headers=lead.headers,
    )
    assert_problem(again, 409)
    assert again.headers["ETag"] == '"1"'


def test_repeating_a_shift_with_if_match_replaces_it(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    first = client.post(
        "/api/v1/staffing/shifts", json=_shift(lead.department_id), headers=lead.headers
    )
    again = client.post(
        "/api/v1/staffing/shifts",
        json=_shift(lead.department_id, actual_staff=7),
        headers={**lead.headers, "If-Match": '"1"'},
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert (again.json()["actual_staff"], again.json()["version"]) == (7, 2)


def test_a_stale_if_match_is_412(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    client.post("/api/v1/staffing/shifts", json=_shift(lead.department_id), headers=lead.headers)
    stale = client.post(
        "/api/v1/staffing/shifts",
        json=_shift(lead.department_id),
        headers={**lead.headers, "If-Match": '"5"'},
    )
    assert_problem(stale, 412)


def test_if_match_on_a_shift_not_recorded_is_412(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    response = client.post(
        "/api/v1/staffing/shifts",
        json=_shift(lead.department_id),
        headers={**lead.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 412)


@pytest.mark.parametrize(
    "change",
    [
        {"planned_staff": -1},
        {"actual_staff": 10_001},
        {"patient_census": -3},
        {"shift": "afternoon"},
        {"shift_on": "2040-01-01"},
        {"shift_on": "1990-01-01"},
        {"unknown": 1},
    ],
)
def test_invalid_shifts_are_422(
    client: TestClient, engine: Engine, change: dict[str, object]
) -> None:
    lead = make_person(engine, Role.department_lead)
    response = client.post(
        "/api/v1/staffing/shifts", json=_shift(lead.department_id, **change), headers=lead.headers
    )
    assert_problem(response, 422)


def test_a_batch_records_every_row(client: TestClient, engine: Engine) -> None:
    key = make_api_key(engine, [Scope.staffing_write])
    department = make_department(engine)
    rows = [
        _shift(department, shift_on=(_MONDAY - timedelta(days=30 - i // 3)).isoformat(), shift=s)
        for i, s in enumerate(["day", "evening", "night"] * 10)
    ]
    response = client.post(
        "/api/v1/staffing/shifts:batch",
        json={"rows": rows},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["replaced"]) == (30, 0)


def test_a_batch_with_one_bad_row_records_nothing_and_names_the_row(
    client: TestClient, engine: Engine
) -> None:
    lead = make_person(engine, Role.department_lead)
    other = make_department(engine)
    rows = [
        _shift(lead.department_id, shift="day"),
        _shift(other, shift="day"),
        _shift(lead.department_id, shift="day"),
    ]
    problem = assert_problem(
        client.post("/api/v1/staffing/shifts:batch", json={"rows": rows}, headers=lead.headers), 422
    )
    assert {e["field"] for e in problem["errors"]} == {"rows.1.department_id", "rows.2"}
    listed = client.get("/api/v1/staffing/shifts", headers=lead.headers).json()
    assert listed["items"] == []


def test_a_batch_replacing_without_versions_is_409(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    client.post("/api/v1/staffing/shifts", json=_shift(lead.department_id), headers=lead.headers)
    rows = [_shift(lead.department_id), _shift(lead.department_id, shift="day")]
    problem = assert_problem(
        client.post("/api/v1/staffing/shifts:batch", json={"rows": rows}, headers=lead.headers), 409
    )
    assert {e["field"] for e in problem["errors"]} == {"rows.0.version"}
    ok = client.post(
        "/api/v1/staffing/shifts:batch",
        json={"rows": [{**rows[0], "version": 1}, rows[1]]},
        headers=lead.headers,
    )
    assert ok.status_code == 200
    assert (ok.json()["created"], ok.json()["replaced"]) == (1, 1)


def test_a_batch_of_more_than_1000_rows_is_422(client: TestClient, engine: Engine) -> None:
    key = make_api_key(engine, [Scope.staffing_write])
    row = _shift(make_department(engine))
    response = client.post(
        "/api/v1/staffing/shifts:batch",
        json={"rows": [row] * 1001},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert_problem(response, 422)


def test_leads_list_only_their_departments_shifts(client: TestClient, engine: Engine) -> None:
    lead = make_person(engine, Role.department_lead)
    other_lead = make_person(engine, Role.department_lead)
    client.post("/api/v1/staffing/shifts", json=_shift(lead.department_id), headers=lead.headers)
    other = client.post(
        "/api/v1/staffing/shifts", json=_shift(other_lead.department_id), headers=other_lead.headers
    ).json()
    listed = client.get("/api/v1/staffing/shifts", headers=lead.headers).json()["items"]
    assert [s["department_id"] for s in listed] == [str(lead.department_id)]
    assert_problem(client.get(f"/api/v1/staffing/shifts/{other['id']}", headers=lead.headers), 404)
    coordinator = make_person(engine, Role.support_coordinator)
    everything = client.get("/api/v1/staffing/shifts", headers=coordinator.headers).json()["items"]
    assert len(everything) == 2


@pytest.mark.parametrize("role", [Role.staff, Role.peer_supporter, Role.auditor])
def test_staff_cannot_read_staffing(client: TestClient, engine: Engine, role: Role) -> None:
    person = make_person(engine, role)
    assert_problem(client.get("/api/v1/staffing/shifts", headers=person.headers), 403)
