"""Insights as the demo organisation shows them."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Role
from haven.core.db import new_session
from haven.demo import seed_demo
from haven.insights import service
from haven.org.models import Department
from tests.factories.org import make_person


def test_the_demo_has_a_suppressed_department_and_a_hotspot(engine: Engine) -> None:
    with new_session(engine) as session:
        seed_demo(session)
        session.commit()
    coordinator = make_person(engine, Role.support_coordinator)
    with new_session(engine) as session:
        names = {d.id: d.name for d in session.exec(select(Department)).all()}
        table = service.department_insights(session, coordinator.principal)
        latest = [r for r in table.rows if r.week_start == table.last_week]
        suppressed = {r.department_name for r in latest if r.checkins.high_stress_share.suppressed}
        hotspots = service.hotspots(session, coordinator.principal)
    assert suppressed == {"Pharmacy", "Paediatrics"}
    assert hotspots.items[0].department_name == "Emergency"
    assert names[hotspots.items[0].department_id] == "Emergency"
