"""Insights over HTTP: who sees what, suppressed cells, the subtraction attack, CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role, Scope
from haven.core.db import new_session
from haven.core.settings import Settings
from haven.notifications.models import Notification
from haven.org import service as org_service
from haven.org.schemas import DepartmentUpdate
from tests.core.test_http import assert_problem
from tests.factories.insights import Hospital, build_hospital
from tests.factories.org import make_api_key, make_department, make_person
from tests.factories.support import make_request, make_supporter

URL = "/api/v1/insights/departments"
ALL_DEPARTMENTS = [Role.safety_officer, Role.support_coordinator, Role.admin]
ORG_ONLY = [Role.staff, Role.peer_supporter]


@pytest.fixture
def hospital(engine: Engine) -> Hospital:
    return build_hospital(engine)


@pytest.fixture
def short_window(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test hospital has sixteen weeks: chart windows of that length.
    monkeypatch.setattr(settings.insights, "window_weeks", 16)


def _rows(body: dict[str, Any], week: str | None = None) -> list[dict[str, Any]]:
    return [r for r in body["rows"] if week is None or r["week_start"] == week]


def _row(body: dict[str, Any], department_id: uuid.UUID | None, week: str) -> dict[str, Any]:
    wanted = str(department_id) if department_id else None
    return next(
        r
        for r in body["rows"]
        if r["department_id"] == wanted and r["week_start"] == week and r["scope"] != "unassigned"
    )


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_DEPARTMENTS)
def test_program_roles_see_every_department(
    client: TestClient, engine: Engine, hospital: Hospital, role: Role
) -> None:
    person = make_person(engine, role)
    body = client.get(URL, headers=person.headers).json()
    names = {r["department_name"] for r in body["rows"]}
    assert names == {
        "Whole organisation",
        "Calm Ward",
        "Strained Ward",
        "Tiny Clinic",
        "Quiet Unit",
    }
    assert len(body["weeks"]) == 13


@pytest.mark.parametrize("role", ORG_ONLY)
def test_staff_see_the_organisation_only(
    client: TestClient, engine: Engine, hospital: Hospital, role: Role
) -> None:
    person = make_person(engine, role, department_id=hospital.calm)
    body = client.get(URL, headers=person.headers).json()
    assert {r["scope"] for r in body["rows"]} == {"organisation"}
    assert_problem(
        client.get(URL, params={"department_id": str(hospital.calm)}, headers=person.headers), 404
    )


def test_a_lead_sees_their_department_and_the_organisation(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    lead = make_person(engine, Role.department_lead, department_id=hospital.strained)
    body = client.get(URL, headers=lead.headers).json()
    assert {r["department_name"] for r in body["rows"]} == {"Whole organisation", "Strained Ward"}
    assert_problem(
        client.get(URL, params={"department_id": str(hospital.calm)}, headers=lead.headers), 404
    )
    own = client.get(URL, params={"department_id": str(hospital.strained)}, headers=lead.headers)
    assert {r["department_name"] for r in own.json()["rows"]} == {
        "Whole organisation",
        "Strained Ward",
    }


def test_auditors_and_api_keys_see_no_insights(client: TestClient, engine: Engine) -> None:
    auditor = make_person(engine, Role.auditor)
    key = make_api_key(engine, list(Scope))
    for headers in (auditor.headers, {"Authorization": f"Bearer {key}"}):
        for path in (URL, "/api/v1/insights/signals", "/api/v1/insights/hotspots"):
            assert_problem(client.get(path, headers=headers), 403)
    assert_problem(client.get(URL), 401)


@pytest.mark.parametrize("role", [*ORG_ONLY])
def test_staff_get_no_hotspots(client: TestClient, engine: Engine, role: Role) -> None:
    person = make_person(engine, role)
    assert_problem(client.get("/api/v1/insights/hotspots", headers=person.headers), 403)


# --- suppression as the API shows it --------------------------------------------------------


def test_a_small_department_is_shown_as_suppressed_never_as_zero(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    body = client.get(URL, headers=admin.headers).json()
    week = hospital.last.isoformat()
    tiny = _row(body, hospital.tiny, week)["checkins"]
    assert tiny["respondents"] == {"value": None, "suppressed": True}
    assert tiny["stress_mean"] == {"value": None, "suppressed": True}
    assert all(q["mean"]["suppressed"] for q in tiny["questions"])
    calm = _row(body, hospital.calm, week)["checkins"]
    assert calm["respondents"] == {"value": 8.0, "suppressed": False}
    assert calm["high_stress_share"]["value"] == pytest.approx(1 / 8)


def test_the_next_smallest_department_is_suppressed_to_protect_it(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    body = client.get(URL, headers=admin.headers).json()
    week = hospital.last.isoformat()
    assert _row(body, hospital.quiet, week)["checkins"]["respondents"]["suppressed"] is True
    organisation = _row(body, None, week)["checkins"]
    assert organisation["respondents"] == {"value": 25.0, "suppressed": False}


def _solve(equations: list[tuple[str, list[str]]], known: dict[str, float]) -> dict[str, float]:
    """The subtraction attack: solve every equation total = sum(members) with one unknown."""
    known = dict(known)
    changed = True
    while changed:
        changed = False
        for total, members in equations:
            unknown = [m for m in members if m not in known]
            if total in known and len(unknown) == 1:
                known[unknown[0]] = known[total] - sum(known[m] for m in members if m in known)
                changed = True
    return known


def _published(body: dict[str, Any], week: str) -> tuple[dict[str, float], list[str]]:
    """Every figure of the week as a variable; suppressed ones left unknown."""
    known: dict[str, float] = {}
    hidden: list[str] = []
    for row in _rows(body, week):
        name = row["department_name"]
        figures: dict[str, dict[str, Any]] = {"respondents": row["checkins"]["respondents"]}
        for q in row["checkins"]["questions"]:
            answered = q["answered"]
            figures[f"answered.{q['key']}"] = answered
            if q["mean"]["value"] is not None and answered["value"] is not None:
                figures[f"sum.{q['key']}"] = {
                    "value": q["mean"]["value"] * answered["value"],
                    "suppressed": False,
                }
            else:
                figures[f"sum.{q['key']}"] = q["mean"]
        reports = row["reports"]
        figures["reports"] = reports["total"]
        figures["harm_events"] = reports["harm_events"]
        for group in ("by_kind", "by_category", "by_harm"):
            for value, figure in reports[group].items():
                figures[f"{group}.{value}"] = figure
        for key, figure in figures.items():
            if figure["suppressed"]:
                hidden.append(f"{name}:{key}")
            elif figure["value"] is not None:
                known[f"{name}:{key}"] = figure["value"]
    return known, hidden


def test_the_subtraction_attack_recovers_no_suppressed_figure(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    body = client.get(URL, headers=admin.headers).json()
    week = hospital.last.isoformat()
    known, hidden = _published(body, week)
    assert hidden, "the test needs suppressed figures to attack"
    departments = [r["department_name"] for r in _rows(body, week) if r["scope"] != "organisation"]
    org = "Whole organisation"
    keys = {k.split(":", 1)[1] for k in [*known, *hidden]}
    equations = [(f"{org}:{key}", [f"{d}:{key}" for d in departments]) for key in keys]
    groups: dict[str, list[str]] = {"by_kind": [], "by_category": [], "by_harm": []}
    for key in keys:
        if key.split(".")[0] in groups:
            groups[key.split(".")[0]].append(key)
    for name in [org, *departments]:
        for members in groups.values():
            equations.append((f"{name}:reports", [f"{name}:{m}" for m in members]))
        harmful = ["by_harm.mild", "by_harm.moderate", "by_harm.severe", "by_harm.death"]
        equations.append((f"{name}:harm_events", [f"{name}:{m}" for m in harmful]))
        equations.append(
            (
                f"{name}:reports",
                [f"{name}:harm_events", f"{name}:by_harm.none", f"{name}:by_harm.unknown"],
            )
        )
    solved = _solve(equations, known)
    assert [h for h in hidden if h in solved] == []


def test_report_breakdowns_hide_small_categories_and_their_complement(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    safety = make_person(engine, Role.safety_officer)
    body = client.get(URL, headers=safety.headers).json()
    calm = _row(body, hospital.calm, hospital.last.isoformat())["reports"]
    assert calm["total"] == {"value": 14.0, "suppressed": False}
    assert calm["by_category"]["fall"] == {"value": None, "suppressed": True}
    assert calm["by_category"]["medication"]["suppressed"] is True
    assert calm["by_category"]["blood"] == {"value": 0.0, "suppressed": False}
    assert calm["harm_events"]["suppressed"] is True
    assert calm["by_kind"]["incident"] == {"value": 14.0, "suppressed": False}


def test_a_week_looks_the_same_whatever_the_range_and_whoever_asks(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    lead = make_person(engine, Role.department_lead, department_id=hospital.strained)
    week = hospital.weeks[-3].isoformat()
    wide = client.get(URL, headers=admin.headers).json()
    narrow = client.get(URL, params={"start": week, "end": week}, headers=admin.headers).json()
    as_lead = client.get(URL, params={"start": week, "end": week}, headers=lead.headers).json()
    for department in (None, hospital.strained):
        expected = _row(wide, department, week)
        assert _row(narrow, department, week) == expected
        assert _row(as_lead, department, week) == expected


def test_the_running_week_is_never_shown(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    running = (hospital.last + timedelta(weeks=1)).isoformat()
    body = client.get(
        URL, params={"start": hospital.last.isoformat(), "end": running}, headers=admin.headers
    ).json()
    assert body["weeks"] == [hospital.last.isoformat()]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2020-01-06", "end": "2021-06-07"},
        {"start": "2999-01-04"},
        {"start": "not-a-date"},
    ],
)
def test_bad_ranges_are_422(client: TestClient, engine: Engine, params: dict[str, str]) -> None:
    admin = make_person(engine, Role.admin)
    assert_problem(client.get(URL, params=params, headers=admin.headers), 422)


def test_staffing_figures_sit_beside_the_answers(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    body = client.get(URL, headers=admin.headers).json()
    staffing = _row(body, hospital.tiny, hospital.last.isoformat())["staffing"]
    assert staffing["staffing_ratio"] == pytest.approx(0.9)
    assert staffing["patient_days"] == pytest.approx(140.0)
    assert staffing["patients_per_staff"] == pytest.approx(20 / 9)
    reports = _row(body, hospital.strained, hospital.last.isoformat())["reports"]
    assert reports["per_1000_patient_days"]["value"] == pytest.approx(9 / 0.14)


def test_an_empty_organisation_answers_with_empty_figures(
    client: TestClient, engine: Engine
) -> None:
    make_department(engine)
    staff = make_person(engine)
    body = client.get(URL, headers=staff.headers).json()
    assert len(body["rows"]) == 13
    first = body["rows"][0]
    assert first["checkins"]["respondents"] == {"value": 0.0, "suppressed": False}
    assert first["checkins"]["stress_mean"] == {"value": None, "suppressed": False}


def test_inactive_departments_with_data_still_count(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    with new_session(engine) as session:
        org_service.update_department(
            session,
            admin.principal,
            department_id=hospital.quiet,
            data=DepartmentUpdate(is_active=False),
            if_match='"1"',
        )
        session.commit()
    body = client.get(URL, headers=admin.headers).json()
    assert _row(body, hospital.quiet, hospital.last.isoformat())["checkins"]["respondents"][
        "suppressed"
    ]


# --- CSV ---------------------------------------------------------------------------------------


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_csv_export_carries_the_same_suppression(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    admin = make_person(engine, Role.admin)
    rows = _csv(client.get(URL, params={"format": "csv"}, headers=admin.headers))
    week = hospital.last.isoformat()
    tiny = next(r for r in rows if r["department"] == "Tiny Clinic" and r["week_start"] == week)
    assert tiny["checkin_respondents"] == "suppressed"
    assert tiny["mean_stress"] == "suppressed"
    calm = next(r for r in rows if r["department"] == "Calm Ward" and r["week_start"] == week)
    assert calm["checkin_respondents"] == "8.0"
    assert calm["category_blood"] == "0.0"


def test_accept_text_csv_also_exports(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    staff = make_person(engine)
    rows = _csv(client.get(URL, headers={**staff.headers, "Accept": "text/csv"}))
    assert {r["scope"] for r in rows} == {"organisation"}


def test_csv_cells_cannot_become_spreadsheet_formulas(client: TestClient, engine: Engine) -> None:
    make_department(engine, name='=HYPERLINK("http://evil.example","x")', code="EVIL")
    make_department(engine, name="@SUM(A1)", code="EVIL2")
    admin = make_person(engine, Role.admin)
    rows = _csv(client.get(URL, params={"format": "csv"}, headers=admin.headers))
    names = {r["department"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert "'@SUM(A1)" in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)


def test_signals_and_hotspots_export_csv(
    client: TestClient, engine: Engine, hospital: Hospital, short_window: None
) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    points = _csv(
        client.get(
            "/api/v1/insights/signals", params={"format": "csv"}, headers=coordinator.headers
        )
    )
    tiny = [
        p for p in points if p["department"] == "Tiny Clinic" and p["metric"] == "high_stress_share"
    ]
    assert tiny and all(p["value"] == "suppressed" for p in tiny)
    hotspots = _csv(
        client.get(
            "/api/v1/insights/hotspots", params={"format": "csv"}, headers=coordinator.headers
        )
    )
    assert hotspots[0]["department"] == "Strained Ward"


# --- signals and hotspots ----------------------------------------------------------------------


def test_a_stress_spike_is_flagged_beyond_the_limits(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    safety = make_person(engine, Role.safety_officer)
    body = client.get(
        "/api/v1/insights/signals",
        params={
            "weeks": 16,
            "department_id": str(hospital.strained),
            "metric": "high_stress_share",
        },
        headers=safety.headers,
    ).json()
    (chart,) = body["charts"]
    assert chart["chart"] == "p"
    assert chart["centre"] == pytest.approx(1 / 8)
    last = chart["points"][-1]
    assert last["value"] == 1.0
    assert "beyond_limits" in last["flags"]
    assert last["ucl"] == pytest.approx(1 / 8 + 3 * ((1 / 8) * (7 / 8) / 8) ** 0.5)
    (signal,) = [s for s in chart["signals"] if s["current"]]
    assert signal["adverse"] is True
    assert "above the upper control limit" in signal["description"]


def test_suppressed_weeks_are_missing_points_without_limits(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    safety = make_person(engine, Role.safety_officer)
    body = client.get(
        "/api/v1/insights/signals",
        params={"weeks": 16, "department_id": str(hospital.tiny)},
        headers=safety.headers,
    ).json()
    stress = next(c for c in body["charts"] if c["metric"] == "high_stress_share")
    assert stress["centre"] is None
    assert all(
        (p["value"], p["suppressed"], p["ucl"], p["lcl"]) == (None, True, None, None)
        for p in stress["points"]
    )


def test_staff_see_only_organisation_charts(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    staff = make_person(engine)
    body = client.get(
        "/api/v1/insights/signals", params={"weeks": 16}, headers=staff.headers
    ).json()
    assert {c["scope"] for c in body["charts"]} == {"organisation"}
    assert {c["metric"] for c in body["charts"]} == {
        "high_stress_share",
        "score_mean",
        "report_rate",
        "harm_rate",
    }


def test_hotspots_list_the_strained_department_first_with_reasons(
    client: TestClient, engine: Engine, hospital: Hospital, short_window: None
) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    body = client.get("/api/v1/insights/hotspots", headers=coordinator.headers).json()
    assert body["last_week"] == hospital.last.isoformat()
    first = body["items"][0]
    assert first["department_name"] == "Strained Ward"
    assert first["reasons"][0]["metric"] == "high_stress_share"
    assert "Share of staff reporting high stress" in first["reasons"][0]["description"]
    # Calm Ward's reports rose from none: a signal, weighed least and never about stress.
    calm = [h for h in body["items"] if h["department_name"] == "Calm Ward"]
    assert all(r["metric"] == "report_rate" for h in calm for r in h["reasons"])
    assert all(h["severity"] < first["severity"] for h in calm)


def test_a_lead_sees_only_their_own_hotspot(
    client: TestClient, engine: Engine, hospital: Hospital, short_window: None
) -> None:
    calm_lead = make_person(engine, Role.department_lead, department_id=hospital.calm)
    strained_lead = make_person(engine, Role.department_lead, department_id=hospital.strained)
    calm_items = client.get("/api/v1/insights/hotspots", headers=calm_lead.headers).json()["items"]
    assert {h["department_name"] for h in calm_items} <= {"Calm Ward"}
    items = client.get("/api/v1/insights/hotspots", headers=strained_lead.headers).json()["items"]
    assert [h["department_name"] for h in items] == ["Strained Ward"]


def test_a_window_no_longer_than_the_baseline_is_422(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    response = client.get("/api/v1/insights/signals", params={"weeks": 12}, headers=admin.headers)
    assert_problem(response, 422)


# --- alerting peer supporters -------------------------------------------------------------


def test_the_coordinator_alerts_active_peer_supporters_without_content(
    client: TestClient, engine: Engine, hospital: Hospital
) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    supporters = [make_supporter(engine).person for _ in range(2)]
    # Holding the role is not enough: only the program's active roster is alerted.
    bystander = make_person(engine, Role.peer_supporter)
    response = client.post(
        f"/api/v1/insights/hotspots/{hospital.strained}/alert-supporters",
        headers=coordinator.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"notified": 2}
    with new_session(engine) as session:
        sent = session.exec(select(Notification)).all()
        assert {n.user_id for n in sent} == {s.id for s in supporters}
        assert bystander.id not in {n.user_id for n in sent}
        title = sent[0].title
    assert "Strained Ward" in title
    assert "%" not in title and "stress" not in title.lower()


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.support_coordinator])
def test_only_the_coordinator_alerts_supporters(
    client: TestClient, engine: Engine, role: Role
) -> None:
    person = make_person(engine, role, department_id=make_department(engine))
    department = make_department(engine)
    response = client.post(
        f"/api/v1/insights/hotspots/{department}/alert-supporters", headers=person.headers
    )
    assert_problem(response, 403)


def test_alerting_for_an_unknown_department_is_404(client: TestClient, engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    response = client.post(
        f"/api/v1/insights/hotspots/{uuid.uuid4()}/alert-supporters", headers=coordinator.headers
    )
    assert_problem(response, 404)
    with new_session(engine) as session:
        assert (
            session.exec(select(Notification).where(col(Notification.id).is_not(None))).all() == []
        )


def test_charts_hide_exactly_what_the_table_hides(
    client: TestClient, engine: Engine, hospital: Hospital, short_window: None
) -> None:
    from tests.factories.checkins import add_reports

    # A few small harm and category cells, so complements are needed in several places.
    add_reports(engine, hospital.quiet, hospital.weeks[-2], 3, harm="mild", category="fall")
    add_reports(engine, hospital.tiny, hospital.weeks[-2], 6, harm="unknown")
    add_reports(engine, hospital.strained, hospital.weeks[-2], 2, harm="severe", kind="near_miss")
    admin = make_person(engine, Role.admin)
    table = client.get(
        URL, params={"start": hospital.weeks[0].isoformat()}, headers=admin.headers
    ).json()
    charts = client.get("/api/v1/insights/signals", headers=admin.headers).json()["charts"]
    compared = 0
    for chart in charts:
        if chart["metric"] not in ("report_rate", "harm_rate"):
            continue
        figure = "total" if chart["metric"] == "report_rate" else "harm_events"
        for point in chart["points"]:
            row = _row(
                table,
                chart["department_id"] and uuid.UUID(chart["department_id"]),
                point["week_start"],
            )
            assert point["suppressed"] == row["reports"][figure]["suppressed"], (
                chart["department_name"],
                point["week_start"],
                figure,
                row["reports"],
            )
            compared += 1
    assert compared == 2 * 5 * 16


def test_support_requests_are_counted_and_a_small_group_is_suppressed(
    client: TestClient, engine: Engine
) -> None:
    from datetime import UTC, datetime, time

    from haven.core import clock
    from haven.core.weeks import monday_of
    from tests.factories.insights import after_release

    big = make_department(engine, "Big Ward", "BIG")
    busy = make_department(engine, "Busy Ward", "BUSY")
    small = make_department(engine, "Small Ward", "SMALL")
    this_week = monday_of(clock.today())
    wednesday = datetime.combine(this_week + timedelta(days=2), time(10), tzinfo=UTC)
    requesters = [make_person(engine, department_id=big) for _ in range(7)]
    requesters += [make_person(engine, department_id=busy) for _ in range(6)]
    requesters += [make_person(engine, department_id=small) for _ in range(2)]
    clock.set_clock(lambda: wednesday)
    for person in requesters:
        make_request(engine, person)
    clock.set_clock(lambda: after_release(this_week))
    coordinator = make_person(engine, Role.support_coordinator)
    body = client.get(URL, headers=coordinator.headers).json()
    week = this_week.isoformat()
    assert _row(body, big, week)["support"]["requests"] == {"value": 7.0, "suppressed": False}
    assert _row(body, small, week)["support"]["requests"] == {"value": None, "suppressed": True}
    # The organisation's 15 minus Big Ward's 7 must not give Small Ward's 2 away: the
    # next-smallest department is hidden with it.
    assert _row(body, busy, week)["support"]["requests"] == {"value": None, "suppressed": True}
    organisation = _row(body, None, week)["support"]
    assert organisation["requests"] == {"value": 15.0, "suppressed": False}
    assert organisation["median_minutes_to_first_contact"] == {"value": None, "suppressed": False}
    # Nobody has been contacted yet: the organisation's 0 would say so of the two hidden
    # departments too, so it is hidden with them (Big Ward's own 0 is shown).
    assert organisation["first_contacts"] == {"value": None, "suppressed": True}
    assert _row(body, big, week)["support"]["first_contacts"] == {"value": 0.0, "suppressed": False}
