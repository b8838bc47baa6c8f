"""Field rules on submission and triage, and the support offer after a serious event."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.core import clock
from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.factories.reports import (
    ANONYMOUS_REPORTS,
    REPORTS,
    anonymous_payload,
    etag_of,
    read_report,
    report_payload,
    report_url,
    submit_named,
)

LETTERS = "ABCDEFGHI"
NCC_FOR_KIND = {"incident": "CDEFGHI", "near_miss": "AB", "unsafe_condition": "A"}
NO_HARM_KINDS = ["near_miss", "unsafe_condition", "good_catch_or_excellence"]
HARMS = ["death", "severe", "moderate", "mild", "none", "unknown"]


def post(client: TestClient, person: Person, payload: dict[str, Any]) -> Any:
    return client.post(REPORTS, json=payload, headers=person.headers)


def error_fields(response: Any) -> list[str]:
    body = assert_problem(response, 422)
    return [e["field"] for e in body.get("errors", [])]


# --- NCC MERP --------------------------------------------------------------------------------


def test_medication_event_needs_an_ncc_merp_index(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, category="medication"))
    assert error_fields(response) == ["ncc_merp"]


@pytest.mark.parametrize("category", ["fall", "blood", "device", "other"])
def test_only_medication_events_carry_an_ncc_merp_index(
    client: TestClient, reporter: Person, department: uuid.UUID, category: str
) -> None:
    response = post(client, reporter, report_payload(department, category=category, ncc_merp="C"))
    assert error_fields(response) == ["ncc_merp"]


@pytest.mark.parametrize(
    ("kind", "letter"), [(k, letter) for k in NCC_FOR_KIND for letter in LETTERS]
)
def test_ncc_merp_index_must_fit_the_kind_of_event(
    client: TestClient, reporter: Person, department: uuid.UUID, kind: str, letter: str
) -> None:
    payload = report_payload(
        department, kind=kind, category="medication", ncc_merp=letter, harm="none"
    )
    response = post(client, reporter, payload)
    if letter in NCC_FOR_KIND[kind]:
        assert response.status_code == 201, response.text
    else:
        assert error_fields(response) == ["ncc_merp"]


def test_ncc_merp_index_is_checked_on_anonymous_reports_too(
    client: TestClient, department: uuid.UUID
) -> None:
    response = client.post(
        ANONYMOUS_REPORTS, json=anonymous_payload(department, category="medication")
    )
    assert error_fields(response) == ["ncc_merp"]


def test_unknown_ncc_merp_letter_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    payload = report_payload(department, category="medication", ncc_merp="J")
    assert "ncc_merp" in error_fields(post(client, reporter, payload))


# --- harm ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "harm"), [(k, h) for k in NO_HARM_KINDS for h in HARMS])
def test_events_that_did_not_reach_the_patient_have_no_harm(
    client: TestClient, reporter: Person, department: uuid.UUID, kind: str, harm: str
) -> None:
    response = post(client, reporter, report_payload(department, kind=kind, harm=harm))
    if harm in ("none", "unknown"):
        assert response.status_code == 201, response.text
    else:
        assert error_fields(response) == ["harm"]


@pytest.mark.parametrize("harm", HARMS)
def test_an_incident_may_carry_any_harm(
    client: TestClient, reporter: Person, department: uuid.UUID, harm: str
) -> None:
    response = post(client, reporter, report_payload(department, kind="incident", harm=harm))
    assert response.status_code == 201, response.text


def test_patch_keeps_the_harm_rule(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department, kind="near_miss")
    response = client.patch(
        report_url(report["id"]),
        json={"harm": "moderate"},
        headers={**officer.headers, "If-Match": etag_of(client, officer, report["id"])},
    )
    assert error_fields(response) == ["harm"]


def test_patch_keeps_the_ncc_merp_rule(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department, category="medication", ncc_merp="C")
    response = client.patch(
        report_url(report["id"]),
        json={"kind": "near_miss"},
        headers={**officer.headers, "If-Match": etag_of(client, officer, report["id"])},
    )
    assert error_fields(response) == ["ncc_merp"]


# --- dates -----------------------------------------------------------------------------------


def test_event_in_the_future_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    future = (clock.today() + timedelta(days=2)).isoformat()
    response = post(client, reporter, report_payload(department, occurred_on=future))
    assert error_fields(response) == ["occurred_on"]


def test_event_today_is_accepted(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    payload = report_payload(department, occurred_on=clock.today().isoformat())
    assert post(client, reporter, payload).status_code == 201


def test_anonymous_event_in_the_future_is_422(client: TestClient, department: uuid.UUID) -> None:
    future = (clock.today() + timedelta(days=30)).isoformat()
    response = client.post(
        ANONYMOUS_REPORTS, json=anonymous_payload(department, occurred_on=future)
    )
    assert error_fields(response) == ["occurred_on"]


def test_event_older_than_ten_years_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    old = (clock.today() - timedelta(days=3700)).isoformat()
    response = post(client, reporter, report_payload(department, occurred_on=old))
    assert error_fields(response) == ["occurred_on"]


# --- department ------------------------------------------------------------------------------


def test_unknown_department_is_422(client: TestClient, reporter: Person) -> None:
    response = post(client, reporter, report_payload(uuid.uuid4()))
    assert error_fields(response) == ["department_id"]


def test_inactive_department_is_422(
    client: TestClient, reporter: Person, admin: Person, other_department: uuid.UUID
) -> None:
    current = client.get(f"/api/v1/departments/{other_department}", headers=admin.headers)
    deactivated = client.patch(
        f"/api/v1/departments/{other_department}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert deactivated.status_code == 200, deactivated.text
    response = post(client, reporter, report_payload(other_department))
    assert error_fields(response) == ["department_id"]


def test_anonymous_report_to_an_unknown_department_is_422(client: TestClient) -> None:
    response = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(uuid.uuid4()))
    assert error_fields(response) == ["department_id"]


def test_patch_to_an_unknown_department_is_422(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    report = submit_named(client, reporter, department)
    response = client.patch(
        report_url(report["id"]),
        json={"department_id": str(uuid.uuid4())},
        headers={**officer.headers, "If-Match": '"1"'},
    )
    assert error_fields(response) == ["department_id"]


# --- the shape of the request ----------------------------------------------------------------


def test_mode_anonymous_on_the_named_endpoint_is_422(
    client: TestClient, engine: Engine, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, mode="anonymous"))
    assert error_fields(response) == ["mode"]
    mine = client.get("/api/v1/reports/mine", headers=reporter.headers).json()
    assert mine["items"] == []


@pytest.mark.parametrize(
    "extra",
    [
        {"reporter_id": "00000000-0000-0000-0000-000000000001"},
        {"status": "closed"},
        {"submitted_on": "2020-01-01"},
        {"source": "anonymous"},
        {"patient_mrn": "123456"},
    ],
)
def test_unknown_fields_are_422(
    client: TestClient, reporter: Person, department: uuid.UUID, extra: dict[str, str]
) -> None:
    response = post(client, reporter, {**report_payload(department), **extra})
    assert error_fields(response) == list(extra)


@pytest.mark.parametrize("extra", [{"mode": "anonymous"}, {"reporter_id": None}, {"ip": "x"}])
def test_unknown_fields_on_anonymous_reports_are_422(
    client: TestClient, department: uuid.UUID, extra: dict[str, Any]
) -> None:
    response = client.post(ANONYMOUS_REPORTS, json={**anonymous_payload(department), **extra})
    assert error_fields(response) == list(extra)


def test_description_of_10001_characters_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, description="x" * 10_001))
    assert error_fields(response) == ["description"]


def test_description_of_10000_characters_is_accepted(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, description="x" * 10_000))
    assert response.status_code == 201, response.text


def test_empty_description_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, description="   "))
    assert error_fields(response) == ["description"]


def test_validation_errors_do_not_echo_the_description(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(
        client,
        reporter,
        report_payload(department, description="Secret quokka words" + "x" * 10_000),
    )
    assert "quokka" not in response.text.lower()  # not hex: no id can contain it


def test_unknown_contributing_factor_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, contributing_factors=["blame"]))
    assert error_fields(response) == ["contributing_factors.0"]


@pytest.mark.parametrize("field", ["description", "immediate_actions", "location", "mode"])
def test_the_reporters_words_cannot_be_changed_by_patch(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID, field: str
) -> None:
    report = submit_named(client, reporter, department)
    original = read_report(client, officer, report["id"])
    response = client.patch(
        report_url(report["id"]),
        json={field: "named"},
        headers={**officer.headers, "If-Match": '"1"'},
    )
    assert error_fields(response) == [field]
    assert read_report(client, officer, report["id"])[field] == original[field]


def test_unknown_subcategory_is_422(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, subcategory="Bathroom"))
    assert error_fields(response) == ["subcategory"]


def test_subcategory_of_the_organisation_is_accepted_under_its_category(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    created = client.post(
        f"{REPORTS}/subcategories",
        json={"category": "fall", "name": "Bathroom"},
        headers=officer.headers,
    )
    assert created.status_code == 201, created.text
    ok = post(client, reporter, report_payload(department, subcategory="Bathroom"))
    assert ok.status_code == 201, ok.text
    wrong = post(
        client, reporter, report_payload(department, category="blood", subcategory="Bathroom")
    )
    assert error_fields(wrong) == ["subcategory"]


def test_duplicate_subcategory_is_409(client: TestClient, officer: Person) -> None:
    body = {"category": "fall", "name": "Bathroom"}
    client.post(f"{REPORTS}/subcategories", json=body, headers=officer.headers)
    again = client.post(
        f"{REPORTS}/subcategories", json={**body, "name": "bathroom"}, headers=officer.headers
    )
    assert_problem(again, 409)


def test_subcategories_are_listed_for_everyone_signed_in(
    client: TestClient, officer: Person, reporter: Person
) -> None:
    client.post(
        f"{REPORTS}/subcategories",
        json={"category": "fall", "name": "Bathroom"},
        headers=officer.headers,
    )
    listed = client.get(f"{REPORTS}/subcategories", headers=reporter.headers).json()
    assert [(s["category"], s["name"], s["is_active"]) for s in listed] == [
        ("fall", "Bathroom", True)
    ]


# --- the support offer -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["named", "confidential", "anonymous"])
@pytest.mark.parametrize(
    ("harm", "offered"),
    [
        ("death", True),
        ("severe", True),
        ("moderate", True),
        ("mild", False),
        ("none", False),
        ("unknown", False),
    ],
)
def test_support_is_offered_after_serious_harm(
    client: TestClient,
    reporter: Person,
    department: uuid.UUID,
    mode: str,
    harm: str,
    offered: bool,
) -> None:
    if mode == "anonymous":
        response = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department, harm=harm))
    else:
        response = post(client, reporter, report_payload(department, mode=mode, harm=harm))
    assert response.status_code == 201, response.text
    support = response.json()["support"]
    assert support["offered"] is offered
    assert bool(support["message"]) is offered


def test_support_offer_carries_no_link_to_the_report(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    response = post(client, reporter, report_payload(department, harm="severe"))
    assert set(response.json()["support"]) == {"offered", "message"}
