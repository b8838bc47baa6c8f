"""Check-in rules, above all the promise that no answer can be tied to a person."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.checkins import service
from haven.checkins.models import NO_DEPARTMENT
from haven.core import clock
from haven.core.db import new_session
from haven.core.weeks import monday_of
from haven.models import metadata
from tests.conftest import is_postgres
from tests.factories.checkins import add_responses, add_shifts, answers, submit
from tests.factories.org import make_department, make_person

_MONDAY = monday_of(datetime.now(UTC).date()) + timedelta(weeks=3)
WEDNESDAY = datetime.combine(_MONDAY + timedelta(days=2), time(10, 0), tzinfo=UTC)
CHECKIN_TABLES = {"checkin_responses", "checkin_answers"}
K = 5  # HAVEN_INSIGHTS_MIN_CELL_SIZE in the tests: a batch's size


@pytest.fixture
def wednesday() -> None:
    clock.set_clock(lambda: WEDNESDAY)


def _fingerprint(i: int) -> tuple[int, int]:
    return (1 + i % 5, 1 + i // 5)  # (stress, supported): distinct for i < 25


def _submit_all(client: TestClient, engine: Engine, count: int) -> tuple[uuid.UUID, list]:
    department = make_department(engine)
    people = [make_person(engine, department_id=department) for _ in range(count)]
    for i, person in enumerate(people):
        stress, supported = _fingerprint(i)
        submit(client, person, stress=stress, supported=supported)
    return department, people


def _physical_responses(engine: Engine) -> list[tuple[uuid.UUID, tuple[int, int]]]:
    """The responses in the order the database stores them (what a reader of the raw
    tables would see), each with its answers' fingerprint."""
    order = "ORDER BY r.ctid" if is_postgres() else ""
    with engine.connect() as conn:
        ids = [
            uuid.UUID(str(row[0]))
            for row in conn.execute(sa.text(f"SELECT r.id FROM checkin_responses r {order}"))
        ]
        values = {
            (uuid.UUID(str(r)), k): v
            for r, k, v in conn.execute(
                sa.text("SELECT response_id, question_key, value FROM checkin_answers")
            )
        }
    return [(i, (values[(i, "stress")], values[(i, "supported")])) for i in ids]


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_responses_hold_no_person_and_no_time(engine: Engine) -> None:
    tables = {t.name: {c.name for c in t.columns} for t in metadata.sorted_tables}
    assert tables["checkin_responses"] == {
        "id",
        "template_id",
        "template_version",
        "department_id",
        "profession",
        "period_start",
    }
    assert tables["checkin_answers"] == {"response_id", "question_key", "value", "text"}
    assert tables["checkin_participations"] == {"user_id", "period_start"}


def test_no_response_can_be_joined_to_a_person_with_full_database_access(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    _department, people = _submit_all(client, engine, 2 * K)
    truth = {person.id: _fingerprint(i) for i, person in enumerate(people)}
    responses = _physical_responses(engine)
    assert sorted(f for _, f in responses) == sorted(truth.values())

    # 1. No id of a response appears anywhere else in the database.
    response_ids = {str(i) for i, _ in responses} | {i.hex for i, _ in responses}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in CHECKIN_TABLES:
                continue
            for row in conn.execute(sa.select(table)):
                for value in row:
                    assert str(value) not in response_ids, table.name
                    if isinstance(value, uuid.UUID):
                        assert value.hex not in response_ids, table.name

    # 2. Nothing was audited or remembered about the submissions.
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM idempotency_records")).scalar() == 0
        actions = {r[0] for r in conn.execute(sa.text("SELECT action FROM audit_events"))}
    assert not any(a.startswith("checkin") and "template" not in a for a in actions)

    # 3. On PostgreSQL the answers were written in two transactions, each holding k
    #    participations and k responses and nothing else of a check-in: a transaction id
    #    narrows a response down to k people, no further.
    if is_postgres():
        with engine.connect() as conn:
            xmins = {
                table: sorted(str(r[0]) for r in conn.execute(sa.text(f"SELECT xmin FROM {table}")))
                for table in ("checkin_participations", "checkin_responses")
            }
        assert xmins["checkin_participations"] == xmins["checkin_responses"]
        assert len(set(xmins["checkin_responses"])) == 2
        assert all(xmins["checkin_responses"].count(x) == K for x in xmins["checkin_responses"])


def test_a_written_batch_is_never_rewritten(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    """Later batches add rows; they never delete or rewrite earlier ones (a rewrite would
    leave old row versions behind to compare)."""
    department = make_department(engine)
    people = [make_person(engine, department_id=department) for _ in range(2 * K)]
    for person in people[:K]:
        submit(client, person)
    before = {i for i, _ in _physical_responses(engine)}
    for person in people[K:]:
        submit(client, person)
    after = {i for i, _ in _physical_responses(engine)}
    assert len(before) == K
    assert len(after) == 2 * K
    assert before < after


def test_a_response_keeps_department_profession_and_period(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    department = make_department(engine)
    for _ in range(K):
        submit(client, make_person(engine, department_id=department))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT department_id, profession, period_start FROM checkin_responses")
        ).all()
    assert len(rows) == K
    for row in rows:
        assert uuid.UUID(str(row[0])) == department
        assert row[1] == "nurse"  # k nurses: the profession is kept
        assert str(row[2]) == _MONDAY.isoformat()


def test_the_reach_out_answer_is_never_stored(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    department = make_department(engine)
    for _ in range(K):
        submit(client, make_person(engine, department_id=department), reach_out=False)
    with engine.connect() as conn:
        keys = {r[0] for r in conn.execute(sa.text("SELECT question_key FROM checkin_answers"))}
    assert _count(engine, "checkin_responses") == K
    assert "reach_out" not in keys


def test_reach_out_with_consent_asks_support_at_once_and_stores_nothing_of_it(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    from haven.support.models import SupportRequest

    department = make_department(engine)
    person = make_person(engine, department_id=department)
    response = client.post(
        "/api/v1/checkins/responses",
        json={"answers": answers(reach_out=True), "consent_to_contact": True},
        headers=person.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["support_requested"] is True
    # The request is made now (the only write an answer makes); the answer waits.
    with new_session(engine) as session:
        requests = session.exec(sa.select(SupportRequest)).scalars().all()
    assert [r.requester_id for r in requests] == [person.id]
    assert _count(engine, "checkin_responses") == 0
    assert _count(engine, "checkin_participations") == 0
    for _ in range(K - 1):
        submit(client, make_person(engine, department_id=department))
    with engine.connect() as conn:
        keys = {r[0] for r in conn.execute(sa.text("SELECT question_key FROM checkin_answers"))}
        response_ids = {
            str(r[0]) for r in conn.execute(sa.text("SELECT id FROM checkin_responses"))
        }
    assert len(response_ids) == K
    assert "reach_out" not in keys
    request_values = {str(v) for r in requests for v in r.model_dump().values()}
    assert response_ids.isdisjoint(request_values)


def test_reach_out_without_consent_asks_nobody(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    from haven.support.models import SupportRequest

    person = make_person(engine, department_id=make_department(engine))
    client.post(
        "/api/v1/checkins/responses",
        json={"answers": answers(reach_out=True)},
        headers=person.headers,
    )
    with new_session(engine) as session:
        assert session.exec(sa.select(SupportRequest)).scalars().all() == []


def test_an_idempotency_key_is_not_remembered(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    person = make_person(engine, department_id=make_department(engine))
    response = client.post(
        "/api/v1/checkins/responses",
        json={"answers": answers()},
        headers={**person.headers, "Idempotency-Key": "retry-1"},
    )
    assert response.status_code == 201
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM idempotency_records")).scalar() == 0


def test_people_without_a_department_answer_into_their_own_cell(
    client: TestClient, engine: Engine, wednesday: None
) -> None:
    for _ in range(K):
        submit(client, make_person(engine))
    with new_session(engine) as session:
        figures = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
    assert [(f.department_id, f.respondents) for f in figures] == [(None, K)]


def test_rollups_match_the_answers(client: TestClient, engine: Engine, wednesday: None) -> None:
    _department, _people = _submit_all(client, engine, 2 * K + 2)  # two batches, two waiting
    with new_session(engine) as session:
        (cell,) = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
        stress = next(q for q in cell.questions if q.key == "stress")
        kept = {q.key: (q.answered, q.total, q.high) for q in cell.questions}
        service.rebuild_rollups(session, start=_MONDAY, end=_MONDAY)
        (rebuilt,) = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
    values = [_fingerprint(i)[0] for i in range(2 * K)]
    assert cell.respondents == 2 * K
    assert (stress.answered, stress.total, stress.high) == (
        2 * K,
        sum(values),
        sum(v >= 4 for v in values),
    )
    assert kept == {q.key: (q.answered, q.total, q.high) for q in rebuilt.questions}
    assert kept["workload_manageable"] == (2 * K, 2 * K, 2 * K)


def test_short_text_answers_are_kept_as_text(engine: Engine, wednesday: None) -> None:
    from haven.checkins.schemas import CheckinSubmit, QuestionType, TemplateCreate
    from haven.core.security import Principal

    admin = make_person(engine, Role.admin)
    department = make_department(engine)
    people = [make_person(engine, department_id=department) for _ in range(K)]
    with new_session(engine) as session:
        service.create_template(
            session,
            admin.principal,
            data=TemplateCreate.model_validate(
                {
                    "name": "With a comment",
                    "is_active": True,
                    "questions": [
                        {"key": "stress", "text": "Stress", "type": QuestionType.scale_1_5},
                        {"key": "comment", "text": "Anything else?", "type": "short_text"},
                    ],
                }
            ),
        )
        session.commit()
    for i, person in enumerate(people):
        with new_session(engine) as session:
            principal = Principal(kind="user", id=person.id, roles=frozenset({"staff"}))
            given = {"comment": "  Too many night shifts  "} if i == 0 else {}
            service.submit_response(
                session,
                principal,
                data=CheckinSubmit(answers={"stress": 2, **given}),
            )
            session.commit()
    with engine.connect() as conn:
        rows = list(conn.execute(sa.text("SELECT question_key, value, text FROM checkin_answers")))
    assert sorted(rows, key=str) == sorted(
        [("stress", 2, None)] * K + [("comment", None, "Too many night shifts")], key=str
    )
    with new_session(engine) as session:
        (cell,) = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
    assert [q.key for q in cell.questions] == ["stress"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 16), (date(2026, 11, 16), date(2026, 11, 22))),
        (date(2026, 11, 22), (date(2026, 11, 16), date(2026, 11, 22))),
        (date(2026, 11, 23), (date(2026, 11, 23), date(2026, 11, 29))),
    ],
)
def test_weekly_periods_run_monday_to_sunday(day: date, expected: tuple[date, date]) -> None:
    assert service.period_bounds("weekly", day) == expected


def test_fortnightly_periods_pair_weeks_from_the_epoch() -> None:
    assert service.period_bounds("fortnightly", date(2024, 1, 1)) == (
        date(2024, 1, 1),
        date(2024, 1, 14),
    )
    assert service.period_bounds("fortnightly", date(2024, 1, 10)) == (
        date(2024, 1, 1),
        date(2024, 1, 14),
    )
    assert service.period_bounds("fortnightly", date(2024, 1, 15)) == (
        date(2024, 1, 15),
        date(2024, 1, 28),
    )


def test_rollups_use_the_no_department_key(engine: Engine) -> None:
    week = date(2026, 1, 5)
    add_responses(engine, None, week, [1, 5])
    with engine.connect() as conn:
        keys = {
            uuid.UUID(str(r[0]))
            for r in conn.execute(sa.text("SELECT department_key FROM checkin_rollups"))
        }
    assert keys == {NO_DEPARTMENT}


# --- weekly figures -------------------------------------------------------------------------


def test_staffing_figures_per_week(engine: Engine) -> None:
    department = make_department(engine)
    week = date(2026, 1, 5)
    add_shifts(engine, department, week, planned=10, actual=8, census=20)
    add_shifts(engine, department, week + timedelta(days=7), planned=10, actual=10, census=None)
    with new_session(engine) as session:
        figures = {
            f.week_start: f
            for f in service.weekly_staffing_figures(
                session, start=week, end=week + timedelta(days=13)
            )
        }
    first = figures[week]
    assert (first.shifts, first.planned_staff, first.actual_staff) == (7, 70, 56)
    assert (first.census_shifts, first.patient_census, first.patient_days) == (7, 140, 140.0)
    second = figures[week + timedelta(days=7)]
    assert (second.census_shifts, second.patient_days) == (0, 0.0)


def test_a_days_patient_census_is_the_mean_of_its_shifts(engine: Engine) -> None:
    from haven.checkins.models import StaffingShift

    department = make_department(engine)
    day = date(2026, 1, 7)
    now = clock.now()
    with new_session(engine) as session:
        for shift, census in (("day", 30), ("evening", 20), ("night", 10)):
            session.add(
                StaffingShift(
                    department_id=department,
                    shift_on=day,
                    shift=shift,
                    planned_staff=5,
                    actual_staff=5,
                    patient_census=census,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.commit()
        (week,) = service.weekly_staffing_figures(session, start=day, end=day)
    assert week.week_start == date(2026, 1, 5)
    assert week.patient_days == 20.0
