"""Who may call each reports endpoint: the full role matrix, written out from DESIGN.md
("People and roles", "Reports") and the router's Allow(...) declarations.

Columns are the callers; each cell is the status the call must get. 404 (not 403) where a
caller may use the endpoint but not see that record: existence does not leak.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role, Scope
from haven.reports.router import anonymous_router
from haven.reports.router import router as reports_router
from tests.factories.org import Person, make_api_key, make_department, make_person
from tests.factories.reports import (
    anonymous_payload,
    bearer,
    create_review,
    lesson_payload,
    open_session,
    publish_lesson,
    report_payload,
    review_payload,
    submit_anonymous,
    submit_named,
)

CALLERS = (
    "none",
    "staff",
    "reporter",
    "peer",
    "coord",
    "safety",
    "lead",
    "lead_x",
    "admin",
    "auditor",
    "k_write",
    "k_read",
    "k_other",
    "session",
)
# none      no credentials
# reporter  staff member who reported the report under test (named, in the lead's department)
# lead      department lead of that department; lead_x: lead of another department
# k_*       API keys with reports:write, reports:read, and another scope (staffing:write)
# session   an anonymous report's receipt session (for another report than the one under test)
MATRIX = """
endpoint                                                                  none staff reporter peer coord safety lead lead_x admin auditor k_write k_read k_other session
POST     /reports                                                          401   201      201  201   201    201  201    201   403     403     201    403     403     403
GET      /reports/mine                                                     401   200      200  200   200    200  200    200   403     403     403    403     403     403
GET      /reports                                                          401   403      403  403   403    200  200    200   403     403     403    200     403     403
GET      /reports/counts                                                   401   403      403  403   403    200  200    200   403     403     403    200     403     403
GET      /reports/high-risk-scenarios                                      401   403      403  403   403    200  403    403   403     403     403    403     403     403
GET      /reports/subcategories                                            401   200      200  200   200    200  200    200   200     200     403    403     403     403
POST     /reports/subcategories                                            401   403      403  403   403    201  403    403   201     403     403    403     403     403
GET      /reports/{report_id}                                              401   403      403  403   403    200  200    404   403     403     403    200     403     403
PATCH    /reports/{report_id}                                              401   403      403  403   403    200  403    403   403     403     403    403     403     403
POST     /reports/{report_id}/transitions                                  401   403      403  403   403    200  403    403   403     403     403    403     403     403
GET      /reports/{report_id}/involved-staff                               401   403      403  403   403    200  403    403   403     403     403    403     403     403
PUT      /reports/{report_id}/involved-staff                               401   403      403  403   403    200  403    403   403     403     403    403     403     403
GET      /reports/{report_id}/staff-candidates                             401   403      403  403   403    200  403    403   403     403     403    403     403     403
GET      /reports/{report_id}/messages                                     401   404      200  404   404    200  404    404   403     403     403    403     403     404
POST     /reports/{report_id}/messages                                     401   404      201  404   404    201  404    404   403     403     403    403     403     404
GET      /reports/{report_id}/just-culture-reviews                         401   403      403  403   403    200  403    403   403     403     403    403     403     403
POST     /reports/{report_id}/just-culture-reviews                         401   403      403  403   403    201  403    403   403     403     403    403     403     403
PUT      /reports/{report_id}/just-culture-reviews/{review_id}             401   403      403  403   403    200  403    403   403     403     403    403     403     403
GET      /reports/{report_id}/just-culture-reviews/{review_id}/revisions   401   403      403  403   403    200  403    403   403     403     403    403     403     403
POST     /lessons                                                          401   403      403  403   403    201  403    403   403     403     403    403     403     403
GET      /lessons                                                          401   200      200  200   200    200  200    200   200     200     403    403     403     403
GET      /lessons/{lesson_id}                                              401   200      200  200   200    200  200    200   200     200     403    403     403     403
GET      /anonymous/form                                                   200   200      200  200   200    200  200    200   200     200     200    200     200     200
POST     /anonymous/reports                                                201   201      201  201   201    201  201    201   201     201     201    201     201     201
POST     /anonymous/session                                                200   200      200  200   200    200  200    200   200     200     200    200     200     200
GET      /anonymous/report                                                 401   403      403  403   403    403  403    403   403     403     403    403     403     200
GET      /anonymous/report/messages                                        401   403      403  403   403    403  403    403   403     403     403    403     403     200
POST     /anonymous/report/messages                                        401   403      403  403   403    403  403    403   403     403     403    403     403     201
"""  # noqa: E501


def _parse(matrix: str) -> dict[tuple[str, str], dict[str, int]]:
    lines = [line.split() for line in matrix.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert tuple(header[1:]) == CALLERS
    table = {}
    for row in rows:
        method, path, *cells = row
        assert len(cells) == len(CALLERS), row
        table[(method, path)] = dict(zip(CALLERS, map(int, cells), strict=True))
    return table


EXPECTED = _parse(MATRIX)
_names = itertools.count(1)


@dataclass
class Cast:
    headers: dict[str, dict[str, str]]
    department: uuid.UUID
    report_id: str
    review_id: str
    lesson_id: str
    receipt: str
    staff_id: uuid.UUID


@pytest.fixture
def cast(client: TestClient, engine: Engine) -> Cast:
    department = make_department(engine)
    other = make_department(engine)
    people: dict[str, Person] = {
        "staff": make_person(engine, Role.staff, department_id=department),
        "reporter": make_person(engine, Role.staff, department_id=department),
        "peer": make_person(engine, Role.peer_supporter, department_id=department),
        "coord": make_person(engine, Role.support_coordinator),
        "safety": make_person(engine, Role.safety_officer),
        "lead": make_person(engine, Role.department_lead, department_id=department),
        "lead_x": make_person(engine, Role.department_lead, department_id=other),
        "admin": make_person(engine, Role.admin),
        "auditor": make_person(engine, Role.auditor),
    }
    headers = {name: p.headers for name, p in people.items()}
    headers["none"] = {}
    headers["k_write"] = bearer(make_api_key(engine, [Scope.reports_write]))
    headers["k_read"] = bearer(make_api_key(engine, [Scope.reports_read]))
    headers["k_other"] = bearer(make_api_key(engine, [Scope.staffing_write]))
    report = submit_named(client, people["reporter"], department)
    review = create_review(client, people["safety"], report["id"])
    assert review.status_code == 201, review.text
    lesson = publish_lesson(client, people["safety"])
    # The session belongs to another (anonymous) report than the one under test.
    receipt = submit_anonymous(client, department)["receipt"]
    headers["session"] = bearer(open_session(client, receipt)["access_token"])
    return Cast(
        headers=headers,
        department=department,
        report_id=report["id"],
        review_id=review.json()["id"],
        lesson_id=lesson["id"],
        receipt=receipt,
        staff_id=people["staff"].id,
    )


BODIES: dict[tuple[str, str], Callable[[Cast], Any]] = {
    ("POST", "/reports"): lambda c: report_payload(c.department),
    ("POST", "/reports/subcategories"): lambda c: {
        "category": "fall",
        "name": f"Bathroom {next(_names)}",
    },
    ("PATCH", "/reports/{report_id}"): lambda c: {"outcome_summary": "Mats were added."},
    ("POST", "/reports/{report_id}/transitions"): lambda c: {"to": "triaged"},
    ("PUT", "/reports/{report_id}/involved-staff"): lambda c: {
        "staff_ids": [str(c.staff_id)],
        "high_risk_scenarios": ["harm_to_child"],
    },
    ("POST", "/reports/{report_id}/messages"): lambda c: {"body": "Thank you for reporting."},
    ("POST", "/reports/{report_id}/just-culture-reviews"): lambda c: review_payload(),
    ("PUT", "/reports/{report_id}/just-culture-reviews/{review_id}"): lambda c: review_payload(),
    ("POST", "/lessons"): lambda c: lesson_payload(report_ids=[c.report_id]),
    ("POST", "/anonymous/reports"): lambda c: anonymous_payload(c.department),
    ("POST", "/anonymous/session"): lambda c: {"receipt": c.receipt},
    ("POST", "/anonymous/report/messages"): lambda c: {"body": "Any news?"},
}


QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/reports/{report_id}/staff-candidates"): {"q": "Person"},
}


def _call(client: TestClient, cast: Cast, method: str, path: str, caller: str) -> int:
    url = "/api/v1" + path.format(
        report_id=cast.report_id, review_id=cast.review_id, lesson_id=cast.lesson_id
    )
    body = BODIES.get((method, path))
    # Versioned writes name the version they change; the first write is at version 1.
    headers = {**cast.headers[caller], "If-Match": '"1"'}
    response = client.request(
        method,
        url,
        json=body(cast) if body else None,
        params=QUERIES.get((method, path)),
        headers=headers,
    )
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code


@pytest.mark.parametrize(("method", "path"), list(EXPECTED), ids=[f"{m} {p}" for m, p in EXPECTED])
def test_role_matrix(client: TestClient, cast: Cast, method: str, path: str) -> None:
    # Callers run in the table's order; only the safety officer's versioned write succeeds,
    # and every caller after it is refused before the version is looked at.
    actual = {caller: _call(client, cast, method, path, caller) for caller in CALLERS}
    assert actual == EXPECTED[(method, path)]


def test_the_matrix_lists_every_reports_endpoint(app: FastAPI) -> None:
    declared = {
        (method, route.path)
        for router in (reports_router, anonymous_router)
        for route in router.routes
        for method in getattr(route, "methods", ())
    }
    assert declared == set(EXPECTED)


def test_no_reports_endpoint_answers_a_garbage_token_with_anything_but_401(
    client: TestClient, cast: Cast
) -> None:
    cast.headers["garbage"] = {"Authorization": "Bearer not.a.token"}
    answered = {
        (method, path): _call(client, cast, method, path, "garbage")
        for method, path in EXPECTED
        if EXPECTED[(method, path)]["none"] == 401
    }
    assert {k: v for k, v in answered.items() if v != 401} == {}
