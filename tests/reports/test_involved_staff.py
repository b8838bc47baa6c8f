"""Staff involved in an event and high-risk scenarios, named by a safety officer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person
from tests.factories.reports import REPORTS, report_url, submit_named
from tests.reports.test_visibility import audit_events, reporter_ref

SCENARIOS = [
    "unexpected_death",
    "harm_to_child",
    "first_patient_death",
    "multiple_bad_outcomes",
    "litigation_notice",
    "media_attention",
]


def put(client: TestClient, person: Person, report_id: str, **body: Any) -> Any:
    body.setdefault("staff_ids", [])
    body.setdefault("high_risk_scenarios", [])
    return client.put(report_url(report_id, "/involved-staff"), json=body, headers=person.headers)


def test_high_risk_scenarios_are_listed_for_safety_officers(
    client: TestClient, officer: Person
) -> None:
    response = client.get(f"{REPORTS}/high-risk-scenarios", headers=officer.headers)
    assert [s["code"] for s in response.json()] == SCENARIOS
    assert all(s["label"] for s in response.json())


def test_officer_names_involved_staff_and_scenarios(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    colleague: Person,
    department: uuid.UUID,
) -> None:
    report = submit_named(client, reporter, department)
    response = put(
        client,
        officer,
        report["id"],
        staff_ids=[str(colleague.id), str(colleague.id)],
        high_risk_scenarios=["harm_to_child", "harm_to_child"],
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "staff": [reporter_ref(colleague, engine)],
        "high_risk_scenarios": ["harm_to_child"],
        "outreach_eligible": True,
    }
    read = client.get(report_url(report["id"], "/involved-staff"), headers=officer.headers)
    assert read.json() == response.json()


def test_put_replaces_the_previous_list(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    colleague: Person,
    department: uuid.UUID,
) -> None:
    report = submit_named(client, reporter, department)
    put(
        client,
        officer,
        report["id"],
        staff_ids=[str(colleague.id)],
        high_risk_scenarios=["media_attention"],
    )
    response = put(client, officer, report["id"], staff_ids=[str(reporter.id)])
    assert response.json()["staff"] == [reporter_ref(reporter, engine)]
    assert response.json()["high_risk_scenarios"] == []


def test_unknown_scenario_code_is_422(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    response = put(client, officer, report["id"], high_risk_scenarios=["harm_to_child", "bad_luck"])
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["high_risk_scenarios.1"]


def test_unknown_staff_id_is_422(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    response = put(client, officer, report["id"], staff_ids=[str(reporter.id), str(uuid.uuid4())])
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["staff_ids.1"]


def test_inactive_staff_member_is_422(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    admin: Person,
    department: uuid.UUID,
) -> None:
    gone = make_person(engine, Role.staff, department_id=department)
    current = client.get(f"/api/v1/users/{gone.id}", headers=admin.headers)
    deactivated = client.patch(
        f"/api/v1/users/{gone.id}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert deactivated.status_code == 200, deactivated.text
    report = submit_named(client, reporter, department)
    response = put(client, officer, report["id"], staff_ids=[str(gone.id)])
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["staff_ids.0"]


def test_a_refused_put_changes_nothing(
    client: TestClient, reporter: Person, officer: Person, colleague: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    put(client, officer, report["id"], staff_ids=[str(colleague.id)])
    put(client, officer, report["id"], high_risk_scenarios=["nope"])
    read = client.get(report_url(report["id"], "/involved-staff"), headers=officer.headers)
    assert [s["id"] for s in read.json()["staff"]] == [str(colleague.id)]


@pytest.mark.parametrize(
    ("harm", "flags", "eligible"),
    [
        ("death", [], True),
        ("severe", [], True),
        ("moderate", [], True),
        ("mild", [], False),
        ("none", [], False),
        ("unknown", [], False),
        ("none", ["first_patient_death"], True),
        ("mild", ["litigation_notice"], True),
    ],
)
def test_outreach_eligible_for_serious_harm_or_any_flag(
    client: TestClient,
    reporter: Person,
    officer: Person,
    department: uuid.UUID,
    harm: str,
    flags: list[str],
    eligible: bool,
) -> None:
    report = submit_named(client, reporter, department, harm=harm)
    response = put(client, officer, report["id"], high_risk_scenarios=flags)
    assert response.json()["outreach_eligible"] is eligible


def test_setting_involved_staff_is_audited(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    put(client, officer, report["id"], staff_ids=[str(reporter.id)])
    (row,) = audit_events(engine, action="report.involved_staff_set")
    assert row.actor_id == officer.id


def test_involved_staff_of_a_missing_report_is_404(client: TestClient, officer: Person) -> None:
    assert_problem(
        client.get(report_url(uuid.uuid4(), "/involved-staff"), headers=officer.headers), 404
    )
    assert_problem(put(client, officer, str(uuid.uuid4())), 404)


@pytest.mark.parametrize("who", ["lead", "reporter", "colleague"])
def test_only_safety_officers_read_involved_staff(
    client: TestClient,
    reporter: Person,
    lead: Person,
    colleague: Person,
    department: uuid.UUID,
    who: str,
) -> None:
    report = submit_named(client, reporter, department)
    person = {"lead": lead, "reporter": reporter, "colleague": colleague}[who]
    response = client.get(report_url(report["id"], "/involved-staff"), headers=person.headers)
    assert_problem(response, 403)
