"""Whose identity each reader sees, what the list view shows, and the audit trail of reads."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role, Scope
from haven.core.db import new_session
from haven.core.models import AuditEvent
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_api_key, make_person
from tests.factories.reports import (
    REPORTS,
    bearer,
    move_to,
    read_report,
    report_url,
    submit_anonymous,
    submit_confidential,
    submit_named,
)


def audit_events(engine: Engine, **where: object) -> list[AuditEvent]:
    with new_session(engine) as db:
        stmt = select(AuditEvent).order_by(col(AuditEvent.seq))
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        return list(db.exec(stmt).all())


def only_report_id(client: TestClient, officer: Person) -> str:
    (item,) = client.get(REPORTS, headers=officer.headers).json()["items"]
    return str(item["id"])


def reporter_ref(reporter: Person, engine: Engine) -> dict[str, str]:
    from haven.auth import service as auth_service

    with new_session(engine) as db:
        user = auth_service.get_user(db, reporter.id)
    return {"id": str(reporter.id), "display_name": user.display_name}


# --- department leads ----------------------------------------------------------------------


def test_department_lead_sees_named_reporter_of_own_department(
    client: TestClient, engine: Engine, reporter: Person, lead: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    assert read_report(client, lead, report["id"])["reporter"] == reporter_ref(reporter, engine)


def test_department_lead_cannot_see_confidential_reporter(
    client: TestClient, reporter: Person, lead: Person, department: uuid.UUID
) -> None:
    report = submit_confidential(client, reporter, department)
    body = read_report(client, lead, report["id"])
    assert body["reporter"] is None
    assert str(reporter.id) not in str(body)


def test_department_lead_gets_404_for_another_departments_report(
    client: TestClient, reporter: Person, other_lead: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    body = assert_problem(client.get(report_url(report["id"]), headers=other_lead.headers), 404)
    assert body["title"] == "Not found"


def test_department_lead_gets_the_same_404_as_for_a_report_that_does_not_exist(
    client: TestClient, reporter: Person, other_lead: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    hidden = client.get(report_url(report["id"]), headers=other_lead.headers).json()
    missing = client.get(report_url(uuid.uuid4()), headers=other_lead.headers).json()
    assert {k: v for k, v in hidden.items() if k != "instance"} == {
        k: v for k, v in missing.items() if k != "instance"
    }


def test_department_lead_lists_only_own_departments_reports(
    client: TestClient,
    reporter: Person,
    lead: Person,
    department: uuid.UUID,
    other_department: uuid.UUID,
) -> None:
    mine = submit_named(client, reporter, department)
    submit_named(client, reporter, other_department)
    listed = client.get(REPORTS, headers=lead.headers).json()["items"]
    assert [i["id"] for i in listed] == [mine["id"]]


def test_department_lead_filtering_another_department_gets_nothing(
    client: TestClient,
    reporter: Person,
    lead: Person,
    department: uuid.UUID,
    other_department: uuid.UUID,
) -> None:
    submit_named(client, reporter, other_department)
    listed = client.get(
        REPORTS, params={"department_id": str(other_department)}, headers=lead.headers
    )
    assert listed.json()["items"] == []


def test_department_lead_counts_only_own_departments_reports(
    client: TestClient,
    reporter: Person,
    lead: Person,
    department: uuid.UUID,
    other_department: uuid.UUID,
) -> None:
    submit_named(client, reporter, department)
    submit_named(client, reporter, other_department)
    submit_named(client, reporter, other_department)
    counts = client.get(f"{REPORTS}/counts", headers=lead.headers).json()
    assert {c["status"]: c["count"] for c in counts}["submitted"] == 1


def test_department_lead_never_sees_involved_staff(
    client: TestClient,
    reporter: Person,
    lead: Person,
    officer: Person,
    colleague: Person,
    department: uuid.UUID,
) -> None:
    report = submit_named(client, reporter, department)
    client.put(
        report_url(report["id"], "/involved-staff"),
        json={"staff_ids": [str(colleague.id)], "high_risk_scenarios": ["harm_to_child"]},
        headers=officer.headers,
    )
    body = read_report(client, lead, report["id"])
    assert body["involved_staff"] is None
    assert body["high_risk_scenarios"] is None
    assert str(colleague.id) not in str(body)


# --- safety officers -----------------------------------------------------------------------


def test_safety_officer_sees_named_reporter(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    assert read_report(client, officer, report["id"])["reporter"] == reporter_ref(reporter, engine)


def test_safety_officer_sees_confidential_reporter(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_confidential(client, reporter, department)
    assert read_report(client, officer, report["id"])["reporter"] == reporter_ref(reporter, engine)


def test_safety_officer_sees_involved_staff_and_flags_on_the_report(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    colleague: Person,
    department: uuid.UUID,
) -> None:
    report = submit_named(client, reporter, department)
    client.put(
        report_url(report["id"], "/involved-staff"),
        json={"staff_ids": [str(colleague.id)], "high_risk_scenarios": ["harm_to_child"]},
        headers=officer.headers,
    )
    body = read_report(client, officer, report["id"])
    assert body["involved_staff"] == [reporter_ref(colleague, engine)]
    assert body["high_risk_scenarios"] == ["harm_to_child"]


# --- anonymous reports and API keys --------------------------------------------------------


def test_nobody_sees_a_reporter_of_an_anonymous_report(
    client: TestClient, engine: Engine, officer: Person, lead: Person, department: uuid.UUID
) -> None:
    submit_anonymous(client, department)
    report_id = only_report_id(client, officer)
    key = bearer(make_api_key(engine, [Scope.reports_read]))
    for headers in (officer.headers, lead.headers, key):
        body = client.get(report_url(report_id), headers=headers).json()
        assert body["mode"] == "anonymous"
        assert body["reporter"] is None
        assert body["source"] == "anonymous"


def test_api_key_never_sees_a_named_or_confidential_reporter(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    named = submit_named(client, reporter, department)
    confidential = submit_confidential(client, reporter, department)
    key = bearer(make_api_key(engine, [Scope.reports_read]))
    for report in (named, confidential):
        body = client.get(report_url(report["id"]), headers=key).json()
        assert body["reporter"] is None
        assert str(reporter.id) not in str(body)


def test_api_key_never_sees_involved_staff(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    colleague: Person,
    department: uuid.UUID,
) -> None:
    report = submit_named(client, reporter, department)
    client.put(
        report_url(report["id"], "/involved-staff"),
        json={"staff_ids": [str(colleague.id)], "high_risk_scenarios": []},
        headers=officer.headers,
    )
    key = bearer(make_api_key(engine, [Scope.reports_read]))
    body = client.get(report_url(report["id"]), headers=key).json()
    assert body["involved_staff"] is None
    assert str(colleague.id) not in str(body)


def test_report_posted_by_an_api_key_has_no_reporter(
    client: TestClient, engine: Engine, officer: Person, department: uuid.UUID
) -> None:
    from tests.factories.reports import report_payload

    key = bearer(make_api_key(engine, [Scope.reports_write]))
    created = client.post(REPORTS, json=report_payload(department), headers=key)
    assert created.status_code == 201, created.text
    body = read_report(client, officer, created.json()["id"])
    assert body["reporter"] is None
    assert body["source"] == "integration"


# --- the list view -------------------------------------------------------------------------


def test_list_view_never_includes_reporter_identity(
    client: TestClient,
    engine: Engine,
    reporter: Person,
    officer: Person,
    lead: Person,
    department: uuid.UUID,
) -> None:
    submit_named(client, reporter, department)
    submit_confidential(client, reporter, department)
    name = reporter_ref(reporter, engine)["display_name"]
    for viewer in (officer, lead):
        response = client.get(REPORTS, headers=viewer.headers)
        assert len(response.json()["items"]) == 2
        for item in response.json()["items"]:
            assert "reporter" not in item and "reporter_id" not in item
        assert str(reporter.id) not in response.text
        assert name not in response.text
        assert reporter.email not in response.text


# --- the audit trail of reads and changes --------------------------------------------------


def test_officer_reading_a_named_report_writes_a_read_audit_row(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    read_report(client, officer, report["id"])
    (row,) = audit_events(engine, action="report.read")
    assert (row.actor_type, row.actor_id, row.object_id) == (
        "user",
        officer.id,
        uuid.UUID(report["id"]),
    )


def test_every_read_writes_its_own_audit_row(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_confidential(client, reporter, department)
    for _ in range(3):
        read_report(client, officer, report["id"])
    assert len(audit_events(engine, action="report.read")) == 3


def test_department_lead_reading_a_confidential_report_writes_a_read_audit_row(
    client: TestClient, engine: Engine, reporter: Person, lead: Person, department: uuid.UUID
) -> None:
    report = submit_confidential(client, reporter, department)
    read_report(client, lead, report["id"])
    (row,) = audit_events(engine, action="report.read")
    assert row.actor_id == lead.id


def test_api_key_reading_a_named_report_writes_a_read_audit_row(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    key = bearer(make_api_key(engine, [Scope.reports_read]))
    assert client.get(report_url(report["id"]), headers=key).status_code == 200
    (row,) = audit_events(engine, action="report.read")
    assert row.actor_type == "api_key"


def test_refused_read_writes_no_read_audit_row(
    client: TestClient, engine: Engine, reporter: Person, other_lead: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    client.get(report_url(report["id"]), headers=other_lead.headers)
    assert audit_events(engine, action="report.read") == []


def test_reading_an_anonymous_report_is_audited_under_the_reader_only(
    client: TestClient, engine: Engine, officer: Person, department: uuid.UUID
) -> None:
    # Audited because the report may name involved staff; the row names the reader.
    submit_anonymous(client, department)
    report_id = only_report_id(client, officer)
    before = len(audit_events(engine))
    read_report(client, officer, report_id)
    client.get(report_url(report_id, "/messages"), headers=officer.headers)
    rows = audit_events(engine)[before:]
    assert [r.action for r in rows] == ["report.read", "report.messages_read"]
    assert {(r.actor_type, r.actor_id) for r in rows} == {("user", officer.id)}


def test_every_status_change_writes_an_audit_row(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    move_to(client, officer, report["id"], "closed")
    rows = [r for r in audit_events(engine) if r.action.startswith("report.status.")]
    assert [r.action for r in rows] == [
        "report.status.triaged",
        "report.status.under_review",
        "report.status.action_planned",
        "report.status.closed",
    ]
    assert {(r.actor_id, r.object_id) for r in rows} == {(officer.id, uuid.UUID(report["id"]))}


def test_status_change_of_an_anonymous_report_is_audited_without_a_reporter(
    client: TestClient, engine: Engine, officer: Person, department: uuid.UUID
) -> None:
    submit_anonymous(client, department)
    report_id = only_report_id(client, officer)
    move_to(client, officer, report_id, "triaged")
    (row,) = [r for r in audit_events(engine) if r.action.startswith("report.status.")]
    assert row.actor_id == officer.id
    assert {r.actor_type for r in audit_events(engine)} <= {"user", "system"}


def test_audit_rows_hold_no_report_content(
    client: TestClient, engine: Engine, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    # A marker no id, hash or request id can contain by chance (not hex, not a uuid).
    report = submit_named(client, reporter, department, description="Distinctive quokka words.")
    read_report(client, officer, report["id"])
    for row in audit_events(engine):
        assert "quokka" not in str(row.model_dump()).lower()


def test_submission_is_audited_with_its_reporter(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    (row,) = audit_events(engine, action="report.submitted")
    assert (row.actor_id, row.object_id) == (reporter.id, uuid.UUID(report["id"]))


def test_a_reporter_who_is_also_safety_officer_reading_their_own_report_is_not_audited(
    client: TestClient, engine: Engine, department: uuid.UUID
) -> None:
    both = make_person(engine, Role.staff, Role.safety_officer, department_id=department)
    report = submit_named(client, both, department)
    read_report(client, both, report["id"])
    assert audit_events(engine, action="report.read") == []
