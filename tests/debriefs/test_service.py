"""Service rules: audit rows, the weekly figures insights reads, concurrent feedback."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.core import clock
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.debriefs import service
from haven.debriefs.schemas import (
    ActionCategory,
    ActionItemUpdate,
    ActionStatus,
    DebriefFeedbackCreate,
    DebriefStatus,
)
from tests.debriefs.conftest import Team
from tests.factories.debriefs import complete_record, hold, make_action, make_debrief, move
from tests.factories.org import make_person

# A Wednesday: its week starts on Monday 2026-03-02.
WEDNESDAY = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def _at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def _actions(engine: Engine, team: Team) -> list[tuple[str, object]]:
    with new_session(engine) as session:
        return [
            (e.action, e.object_id)
            for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
            if e.object_type in ("debrief", "action_item")
        ]


def test_every_change_is_audited_by_name_not_content(engine: Engine, team: Team) -> None:
    debrief = make_debrief(
        engine, team.officer.principal, department_id=team.ward, facilitator_id=team.facilitator.id
    )
    hold(engine, team.facilitator.principal, debrief.id)
    complete_record(engine, team.facilitator.principal, debrief.id)
    item = make_action(engine, team.facilitator.principal, debrief.id, team.alice.id)
    assert _actions(engine, team) == [
        ("debrief.created", debrief.id),
        ("debrief.status.held", debrief.id),
        ("debrief.record_saved", debrief.id),
        ("action_item.created", item.id),
    ]


def test_reading_a_debrief_writes_no_audit_row(engine: Engine, team: Team) -> None:
    debrief = make_debrief(
        engine, team.officer.principal, department_id=team.ward, facilitator_id=team.facilitator.id
    )
    with new_session(engine) as session:
        service.get_debrief(session, team.lead.principal, debrief_id=debrief.id)
        session.commit()
    assert _actions(engine, team) == [("debrief.created", debrief.id)]


def _held_on(engine: Engine, team: Team, moment: datetime, department=None):
    _at(moment - timedelta(hours=1))
    debrief = make_debrief(
        engine,
        team.officer.principal,
        department_id=department or team.ward,
        facilitator_id=team.facilitator.id,
    )
    _at(moment)
    return hold(engine, team.officer.principal, debrief.id)


def test_weekly_figures_count_by_department_and_monday(engine: Engine, team: Team) -> None:
    debrief = _held_on(engine, team, WEDNESDAY)
    _held_on(engine, team, WEDNESDAY + timedelta(days=4))  # Sunday: same week
    _held_on(engine, team, WEDNESDAY + timedelta(days=5))  # next Monday
    _held_on(engine, team, WEDNESDAY, department=team.other_ward)
    _at(WEDNESDAY)
    strong = make_action(engine, team.officer.principal, debrief.id, team.alice.id)
    make_action(
        engine,
        team.officer.principal,
        debrief.id,
        team.alice.id,
        category=ActionCategory.training,
        due_on=date(2026, 3, 6),
    )
    make_action(
        engine,
        team.officer.principal,
        debrief.id,
        team.alice.id,
        category=ActionCategory.redundancy,
    )
    _at(WEDNESDAY + timedelta(days=1))
    with new_session(engine) as session:
        service.update_action_item(
            session,
            team.officer.principal,
            action_item_id=strong.id,
            data=ActionItemUpdate(status=ActionStatus.done),
            if_match='"1"',
        )
        session.commit()
    clock.set_clock(None)
    with new_session(engine) as session:
        rows = service.weekly_figures(session, start=date(2026, 3, 1), end=date(2026, 3, 16))
    by_key = {(r.department_id, r.week_start): r for r in rows}
    ward_week = by_key[(team.ward, date(2026, 3, 2))]
    assert ward_week.model_dump(exclude={"department_id", "week_start"}) == {
        "debriefs_held": 2,
        "action_items_opened": 3,
        "action_items_done": 1,
        "action_items_overdue": 1,  # the training item due on Friday the 6th, still open
        "stronger": 1,
        "intermediate": 1,
        "weaker": 1,
    }
    assert by_key[(team.ward, date(2026, 3, 9))].debriefs_held == 1
    assert by_key[(team.other_ward, date(2026, 3, 2))].debriefs_held == 1
    assert set(by_key) == {
        (team.ward, date(2026, 3, 2)),
        (team.ward, date(2026, 3, 9)),
        (team.other_ward, date(2026, 3, 2)),
    }


def test_weekly_figures_keep_to_the_range(engine: Engine, team: Team) -> None:
    _held_on(engine, team, WEDNESDAY)
    clock.set_clock(None)
    with new_session(engine) as session:
        before = service.weekly_figures(session, start=date(2026, 2, 1), end=date(2026, 3, 4))
        after = service.weekly_figures(session, start=date(2026, 3, 5), end=date(2026, 4, 1))
        inside = service.weekly_figures(session, start=date(2026, 3, 4), end=date(2026, 3, 5))
        empty = service.weekly_figures(session, start=date(2026, 3, 5), end=date(2026, 3, 5))
    assert before == [] and after == [] and empty == []
    assert [(r.week_start, r.debriefs_held) for r in inside] == [(date(2026, 3, 2), 1)]


def test_a_cancelled_debrief_is_not_counted_as_held(engine: Engine, team: Team) -> None:
    _at(WEDNESDAY)
    debrief = make_debrief(
        engine, team.officer.principal, department_id=team.ward, facilitator_id=team.facilitator.id
    )
    move(engine, team.officer.principal, debrief.id, DebriefStatus.cancelled)
    clock.set_clock(None)
    with new_session(engine) as session:
        assert service.weekly_figures(session, start=date(2026, 3, 1), end=date(2026, 3, 9)) == []


def test_answers_given_at_the_same_moment_are_all_kept(engine: Engine, team: Team) -> None:
    people = [make_person(engine, department_id=team.ward) for _ in range(6)]
    debrief = make_debrief(
        engine,
        team.officer.principal,
        department_id=team.ward,
        facilitator_id=team.facilitator.id,
        participant_ids=[p.id for p in people],
    )
    hold(engine, team.officer.principal, debrief.id)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(people))

    def answer(person) -> None:
        try:
            barrier.wait()
            with new_session(engine) as session:
                service.give_feedback(
                    session,
                    person.principal,
                    debrief_id=debrief.id,
                    data=DebriefFeedbackCreate(felt_safe=4, systems_focus=4, useful=4),
                )
                session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with new_session(engine) as session:
        summary = service.feedback_summary(session, team.officer.principal, debrief_id=debrief.id)
    assert summary.responses == len(people)


def test_the_demo_has_a_held_debrief_with_actions_and_one_coming_up(engine: Engine) -> None:
    from haven.auth.schemas import Role
    from haven.core.pagination import PageParams
    from haven.core.security import Principal
    from haven.debriefs.service import ActionFilters, DebriefFilters
    from haven.demo import seed_demo

    with new_session(engine) as session:
        seed_demo(session)
        session.commit()
        officer = Principal(
            kind="user", id=uuid.uuid4(), roles=frozenset({Role.safety_officer.value})
        )
        page = PageParams(limit=50, cursor=None)
        debriefs, _ = service.list_debriefs(session, officer, filters=DebriefFilters(), params=page)
        actions, _ = service.list_action_items(
            session, officer, filters=ActionFilters(), params=page
        )
    assert sorted(d.status for d in debriefs) == [DebriefStatus.held, DebriefStatus.scheduled]
    assert sorted(a.strength for a in actions) == ["stronger", "weaker"]
