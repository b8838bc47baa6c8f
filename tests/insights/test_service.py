"""Insights as the demo organisation shows them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.core.settings import InsightsSettings, Settings
from haven.core.weeks import monday_of
from haven.demo import seed_demo
from haven.insights import service
from haven.insights.models import InsightRelease
from haven.org.models import Department
from tests.factories.insights import after_release, build_hospital
from tests.factories.org import make_person


def test_the_demo_has_a_suppressed_department_and_a_hotspot(engine: Engine) -> None:
    with new_session(engine) as session:
        seed_demo(session)
        session.commit()
    coordinator = make_person(engine, Role.support_coordinator)
    with new_session(engine) as session:
        names = {d.id: d.name for d in session.exec(select(Department)).all()}
        table = service.department_insights(session, coordinator.principal)
        latest = [r for r in table.rows if r["week_start"] == table.last_week]
        suppressed = {
            r["department_name"] for r in latest if r["checkins"]["high_stress_share"]["suppressed"]
        }
        hotspots = service.hotspots(session, coordinator.principal)
    # Pharmacy's three answers a week are too few to keep their department (check-ins store
    # no department group below k): they count under no department, which is suppressed.
    assert suppressed == {"No department", "Paediatrics"}
    assert hotspots.items[0].department_name == "Emergency"
    assert names[hotspots.items[0].department_id] == "Emergency"


def test_the_demo_and_the_jobs_release_the_whole_chart_window_before_anyone_looks(
    engine: Engine,
) -> None:
    # A first look must read stored releases: auditing half a year of weeks on a page view
    # kept the first insights page loading for many seconds.
    with new_session(engine) as session:
        seed_demo(session)
        session.commit()
    with new_session(engine) as session:
        last = service.last_closed_week(session)
        stored = set(session.exec(select(InsightRelease.week_start)).all())
        assert stored == {last - timedelta(weeks=back) for back in range(26)}
        assert service.release_due_weeks(session) == 0


def test_k_can_never_be_set_below_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_INSIGHTS_MIN_CELL_SIZE", "2")
    with pytest.raises(ValidationError):
        InsightsSettings()
    monkeypatch.setenv("HAVEN_INSIGHTS_MIN_CELL_SIZE", "3")
    assert InsightsSettings().min_cell_size == 3


def test_a_larger_k_hides_more(
    client: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hospital = build_hospital(engine, reports=False)
    admin = make_person(engine, Role.admin)
    monkeypatch.setattr(settings.insights, "min_cell_size", 9)
    body = client.get("/api/v1/insights/departments", headers=admin.headers).json()
    week = hospital.last.isoformat()
    calm = next(
        r
        for r in body["rows"]
        if r["department_id"] == str(hospital.calm) and r["week_start"] == week
    )
    assert body["min_cell_size"] == 9
    assert calm["checkins"]["respondents"] == {"value": None, "suppressed": True}


def test_the_table_returned_unvalidated_matches_its_schema_exactly(engine: Engine) -> None:
    """department_insights builds its rows without validating them again: every value must
    already have the schema's type (a mismatch is a serialiser warning, here an error), and
    validating the output must give back the same document."""
    from haven.insights.schemas import DepartmentInsights

    build_hospital(engine)
    admin = make_person(engine, Role.admin)
    with new_session(engine) as session:
        table = service.department_insights(session, admin.principal)
    assert len(table.rows) > 13
    serializer = DepartmentInsights.__pydantic_serializer__
    document = serializer.to_json(table, warnings="error")
    assert b'"suppressed":true' in document and b'"suppressed":false' in document
    again = DepartmentInsights.model_validate_json(document)
    assert serializer.to_json(again, warnings="error") == document
    # Same values of the same Python types (the CSV export writes them as they are).
    assert _typed(table.model_dump()) == _typed(again.model_dump())


def _typed(value: object) -> object:
    if isinstance(value, dict):
        return {_typed(k): _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def test_debriefs_held_sit_beside_the_figures_unsuppressed(engine: Engine) -> None:
    from datetime import UTC, datetime, time

    from haven.debriefs import service as debriefs_service
    from haven.debriefs.schemas import DebriefCreate, DebriefKind, DebriefStatus, DebriefTransition
    from tests.factories.org import make_department

    department = make_department(engine)
    officer = make_person(engine, Role.safety_officer)
    lead = make_person(engine, Role.department_lead, department_id=department)
    last_week = monday_of(clock.today())
    wednesday = datetime.combine(last_week + timedelta(days=2), time(10), tzinfo=UTC)
    clock.set_clock(lambda: wednesday)
    with new_session(engine) as session:
        debrief = debriefs_service.create_debrief(
            session,
            officer.principal,
            data=DebriefCreate(
                kind=DebriefKind.hot,
                title="After the fall",
                department_id=department,
                facilitator_id=lead.id,
                scheduled_at=wednesday,
            ),
        )
        debriefs_service.transition_debrief(
            session,
            lead.principal,
            debrief_id=debrief.id,
            data=DebriefTransition(to=DebriefStatus.held),
            if_match=f'"{debrief.version}"',
        )
        session.commit()
    clock.set_clock(lambda: after_release(last_week))
    with new_session(engine) as session:
        table = service.department_insights(session, officer.principal)
    row = next(
        r
        for r in table.rows
        if r["department_id"] == department and r["week_start"] == table.last_week
    )
    organisation = next(
        r for r in table.rows if r["scope"] == "organisation" and r["week_start"] == table.last_week
    )
    assert row["debriefs"]["debriefs_held"] == 1
    assert organisation["debriefs"]["debriefs_held"] == 1
