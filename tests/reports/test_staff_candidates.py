"""GET /reports/{report_id}/staff-candidates: the person picker behind "staff involved".

Safety officers may not list users (an admin's screen), so this read gives them active
people by name, with nothing but id, name and department, scoped to a report they can see.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine

from haven.auth import service as auth_service
from haven.auth.schemas import ALL_ROLES, Role, Scope, UserUpdate
from haven.core.db import new_session
from haven.org import service as org_service
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_api_key, make_department, make_person

URL = "/api/v1/reports/{report_id}/staff-candidates"


def _report(client: TestClient, engine: Engine, department_id: uuid.UUID) -> str:
    reporter = make_person(engine, Role.staff, department_id=department_id)
    response = client.post(
        "/api/v1/reports",
        json={
            "mode": "confidential",
            "kind": "near_miss",
            "category": "fall",
            "harm": "none",
            "occurred_on": date.today().isoformat(),
            "department_id": str(department_id),
            "description": "A wet floor near bed 4 was not signed.",
        },
        headers=reporter.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _named(engine: Engine, name: str, department_id: uuid.UUID, *, active: bool = True) -> Person:
    person = make_person(engine, Role.staff, department_id=department_id)
    admin = make_person(engine, Role.admin)
    with new_session(engine) as session:
        version = auth_service.get_user(session, person.id).version
        org_service.update_user(
            session,
            admin.principal,
            user_id=person.id,
            data=UserUpdate(display_name=name, is_active=active),
            if_match=f'"{version}"',
        )
        session.commit()
    return person


def _search(client: TestClient, who: Person, report_id: str, q: str, **params: object) -> Response:
    return client.get(
        URL.format(report_id=report_id), params={"q": q, **params}, headers=who.headers
    )


def test_safety_officer_finds_active_people_by_part_of_their_name(
    client: TestClient, engine: Engine
) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    officer = make_person(engine, Role.safety_officer)
    nurse = _named(engine, "Aisha Rahman", dep)

    response = _search(client, officer, report_id, "RAHM")

    assert response.status_code == 200, response.text
    assert response.json() == [
        {"id": str(nurse.id), "display_name": "Aisha Rahman", "department_id": str(dep)}
    ]


def test_candidates_carry_no_email_roles_or_profession(client: TestClient, engine: Engine) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    officer = make_person(engine, Role.safety_officer)
    _named(engine, "Lena Fischer", dep)

    (item,) = _search(client, officer, report_id, "Fischer").json()

    assert set(item) == {"id", "display_name", "department_id"}


def test_deactivated_people_are_not_offered(client: TestClient, engine: Engine) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    officer = make_person(engine, Role.safety_officer)
    _named(engine, "Olu Departed", dep, active=False)
    still_here = _named(engine, "Ada Departed", dep)

    found = _search(client, officer, report_id, "Departed").json()

    assert [p["id"] for p in found] == [str(still_here.id)]


def test_like_wildcards_in_the_query_match_literally(client: TestClient, engine: Engine) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    officer = make_person(engine, Role.safety_officer)
    _named(engine, "Kim Park", dep)

    assert _search(client, officer, report_id, "%%").json() == []
    assert _search(client, officer, report_id, "K_m").json() == []


def test_results_are_ordered_by_name_and_limited(client: TestClient, engine: Engine) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    officer = make_person(engine, Role.safety_officer)
    for name in ("Zed Searchable", "Amy Searchable", "Mo Searchable"):
        _named(engine, name, dep)

    names = [p["display_name"] for p in _search(client, officer, report_id, "search").json()]
    limited = _search(client, officer, report_id, "search", limit=2).json()

    assert names == ["Amy Searchable", "Mo Searchable", "Zed Searchable"]
    assert [p["display_name"] for p in limited] == ["Amy Searchable", "Mo Searchable"]


@pytest.mark.parametrize("q", ["a", "x" * 81])
def test_query_length_is_bounded(client: TestClient, engine: Engine, q: str) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    officer = make_person(engine, Role.safety_officer)

    assert_problem(_search(client, officer, report_id, q), 422)


def test_limit_above_the_maximum_is_refused(client: TestClient, engine: Engine) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    officer = make_person(engine, Role.safety_officer)

    assert_problem(_search(client, officer, report_id, "Person", limit=26), 422)


def test_unknown_report_is_a_404(client: TestClient, engine: Engine) -> None:
    officer = make_person(engine, Role.safety_officer)

    assert_problem(_search(client, officer, str(uuid.uuid4()), "Person"), 404)


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r != Role.safety_officer])
def test_every_other_role_is_refused(client: TestClient, engine: Engine, role: Role) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    # A lead of the report's own department sees the report, and still may not search people.
    caller = make_person(engine, role, department_id=dep)

    assert_problem(_search(client, caller, report_id, "Person"), 403)


def test_signed_out_caller_is_refused(client: TestClient, engine: Engine) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)

    assert_problem(client.get(URL.format(report_id=report_id), params={"q": "Person"}), 401)


def test_service_accounts_are_refused_even_with_reports_read(
    client: TestClient, engine: Engine
) -> None:
    dep = make_department(engine)
    report_id = _report(client, engine, dep)
    key = make_api_key(engine, [Scope.reports_read, Scope.reports_write])

    response = client.get(
        URL.format(report_id=report_id),
        params={"q": "Person"},
        headers={"Authorization": f"Bearer {key}"},
    )

    assert_problem(response, 403)
