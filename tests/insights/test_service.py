"""Insights as the demo organisation shows them."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Role
from haven.core.db import new_session
from haven.core.settings import InsightsSettings, Settings
from haven.demo import seed_demo
from haven.insights import service
from haven.org.models import Department
from tests.factories.insights import build_hospital
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
    assert suppressed == {"Pharmacy", "Paediatrics"}
    assert hotspots.items[0].department_name == "Emergency"
    assert names[hotspots.items[0].department_id] == "Emergency"


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
    from datetime import UTC, datetime, time, timedelta

    from haven.core import clock
    from haven.debriefs import service as debriefs_service
    from haven.debriefs.schemas import DebriefCreate, DebriefKind, DebriefStatus, DebriefTransition
    from tests.factories.org import make_department

    department = make_department(engine)
    officer = make_person(engine, Role.safety_officer)
    lead = make_person(engine, Role.department_lead, department_id=department)
    last_week = service.last_complete_week()
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
    clock.set_clock(None)
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


def test_the_same_week_hides_the_same_cells_whatever_order_departments_came_in() -> None:
    """Ties between equally small cells are broken by department id, not by the order a
    request happened to meet the departments in: otherwise two views of one week could
    hide different complements and, put together, give the small cell away."""
    import uuid
    from datetime import date

    from haven.insights.service import (
        ORG,
        SUPPRESSION_MEMO,
        CheckinCell,
        Figures,
        _suppressed,
    )

    small, twin_a, twin_b, big = (uuid.UUID(int=n) for n in (4, 2, 3, 1))
    respondents = {small: 2, twin_a: 6, twin_b: 6, big: 40}

    def hidden_departments(order: list[uuid.UUID], *, remembered: bool) -> set[uuid.UUID | None]:
        if not remembered:
            SUPPRESSION_MEMO.clear()  # computed afresh, not looked up
        f = Figures(weeks=[date(2026, 11, 2)], questions=[])
        f.checkins, f.reports, f.staffing, f.debriefs, f.support = [{}], [{}], [{}], [{}], [{}]
        for department in order:
            f.checkins[0][f.index(department)] = CheckinCell(respondents[department], [])
        f.present = [sorted(f.checkins[0])]
        cells = _suppressed(f, 5)
        return {None if d == ORG else f.departments[d] for (_, _, d, _) in cells}

    views = {
        frozenset(hidden_departments(order, remembered=remembered))
        for order in itertools.permutations([small, twin_a, twin_b, big])
        for remembered in (False, True)
    }
    (hidden,) = views  # one answer for every order, computed or remembered
    assert small in hidden and len(hidden & {twin_a, twin_b}) == 1


def test_a_remembered_week_hides_exactly_what_computing_it_hides() -> None:
    """The memo is keyed by everything suppression reads: a week looked up gives the cells
    computing it gives, in another window too (another week index, another department
    order); a week whose figures changed is computed again."""
    import random
    import uuid
    from datetime import date, timedelta

    from haven.checkins.schemas import QuestionRead, QuestionType
    from haven.insights.service import (
        REPORT_PARTS,
        SUPPRESSION_MEMO,
        CheckinCell,
        Figures,
        _suppressed,
    )

    rng = random.Random(7)
    departments = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(12)] + [None]
    question = QuestionRead(key="stress", text="Stress", type=QuestionType.scale_1_5)

    def week_data() -> dict:
        return {
            d: (
                rng.choice([1, 3, 6, 20]),
                tuple(rng.choice([0, 0, 1, 2, 7]) for _ in REPORT_PARTS),
            )
            for d in departments
            if rng.random() < 0.8
        }

    weeks = [week_data() for _ in range(4)]

    def figures(data: list[dict], shuffle: int, first: int = 0) -> Figures:
        start = date(2026, 1, 5) + timedelta(weeks=first)
        f = Figures(
            weeks=[start + timedelta(weeks=i) for i in range(len(data))], questions=[question]
        )
        f.checkins = [{} for _ in data]
        f.reports = [{} for _ in data]
        f.staffing, f.debriefs, f.support = (
            [{} for _ in data],
            [{} for _ in data],
            [{} for _ in data],
        )
        order = list(departments)
        random.Random(shuffle).shuffle(order)
        for w, week in enumerate(data):
            for d in order:
                if d in week:
                    respondents, counts = week[d]
                    i = f.index(d)
                    f.checkins[w][i] = CheckinCell(respondents, [(respondents, respondents * 3, 1)])
                    f.reports[w][i] = counts
        f.present = [sorted(set(f.checkins[w]) | set(f.reports[w])) for w in range(len(data))]
        return f

    def named(f: Figures, cells: set) -> set:
        return {
            (fam, f.weeks[w], None if d < 0 else f.departments[d], fig) for fam, w, d, fig in cells
        }

    SUPPRESSION_MEMO.clear()
    whole = figures(weeks, shuffle=1)
    computed = named(whole, _suppressed(whole, 5))
    assert computed  # the data has small cells
    # the last two weeks alone, departments met in another order: every week looked up
    part = figures(weeks[2:], shuffle=2, first=2)
    assert named(part, _suppressed(part, 5)) == {c for c in computed if c[1] >= part.weeks[0]}
    # the same, computed afresh
    SUPPRESSION_MEMO.clear()
    assert named(part, _suppressed(part, 5)) == {c for c in computed if c[1] >= part.weeks[0]}
    # a changed week is not answered from the memo
    changed = [dict(week) for week in weeks]
    some = next(d for d in departments if d in changed[0] and changed[0][d][0] >= 5)
    changed[0][some] = (2, changed[0][some][1])
    _suppressed(whole, 5)  # every original week remembered again
    after = figures(changed, shuffle=1)
    hidden_after = named(after, _suppressed(after, 5))
    assert (0, after.weeks[0], some, -1) in hidden_after
    assert (0, after.weeks[0], some, -1) not in computed
    SUPPRESSION_MEMO.clear()
    assert hidden_after == named(after, _suppressed(after, 5))
