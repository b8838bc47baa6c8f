"""Check-in answers wait in memory and are written in batches of at least k: the rules of
a batch (who is in it, what it stores, what happens when it fails or a period ends)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Profession
from haven.checkins import batches, service
from haven.checkins.models import NO_DEPARTMENT
from haven.checkins.pool import POOL
from haven.core import clock
from haven.core.db import new_session
from haven.core.migrate import downgrade, upgrade
from haven.core.weeks import monday_of
from haven.jobs import run_due_jobs
from tests.checkins.sqlite_file import as_uuid, insertion_order
from tests.conftest import database_url, is_postgres
from tests.factories.checkins import answers, default_template_id, submit
from tests.factories.org import Person, access_token_for, make_department, make_person
from tests.hot_copy import hot_copy

K = 5
_MONDAY = monday_of(datetime.now(UTC).date()) + timedelta(weeks=3)
WEDNESDAY = datetime.combine(_MONDAY + timedelta(days=2), time(10, 0), tzinfo=UTC)
NEXT_WEDNESDAY = WEDNESDAY + timedelta(days=7)
CHECKIN_ROWS = ("checkin_participations", "checkin_responses", "checkin_answers")


@pytest.fixture(autouse=True)
def _wednesday() -> None:
    clock.set_clock(lambda: WEDNESDAY)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _stored(engine: Engine) -> list[tuple[uuid.UUID | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT department_id, profession FROM checkin_responses"))
        return [(as_uuid(d) if d else None, p) for d, p in rows]


def _respondents(engine: Engine) -> dict[uuid.UUID, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT department_key, respondents FROM checkin_rollups"))
        return {as_uuid(key): n for key, n in rows}


def _staff(engine: Engine, department: uuid.UUID | None, *professions: Profession) -> list[Person]:
    return [make_person(engine, department_id=department, profession=p) for p in professions]


def _has_answered(client: TestClient, person: Person) -> bool:
    body = client.get("/api/v1/checkins/current", headers=person.headers).json()
    return bool(body["has_answered"])


# --- nothing is written at submission ------------------------------------------------------


def test_answers_short_of_a_batch_write_nothing(client: TestClient, engine: Engine) -> None:
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * K)
    for person in people[:-1]:
        submit(client, person)
        assert _has_answered(client, person)
    for table in (*CHECKIN_ROWS, "checkin_rollups", "checkin_rollup_answers"):
        assert _count(engine, table) == 0, table
    submit(client, people[-1])
    for table in ("checkin_participations", "checkin_responses"):
        assert _count(engine, table) == K, table
    assert _respondents(engine) == {department: K}
    assert POOL.waiting() == 0


def test_a_second_answer_while_the_first_waits_is_409(client: TestClient, engine: Engine) -> None:
    person = make_person(engine, department_id=make_department(engine))
    submit(client, person)
    submit(client, person, stress=5, expect=409)
    assert POOL.waiting() == 1


def test_a_second_answer_after_the_batch_is_written_is_409(
    client: TestClient, engine: Engine
) -> None:
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * K)
    for person in people:
        submit(client, person)
    submit(client, people[0], stress=5, expect=409)
    assert _count(engine, "checkin_responses") == K


def test_an_answer_already_written_by_another_process_is_dropped_from_the_batch(
    client: TestClient, engine: Engine
) -> None:
    """Two processes hold their own pools: a person may answer in both. Whichever batch is
    written second leaves that person's answer out, before anything is written."""
    department = make_department(engine)
    twice, *others = _staff(engine, department, *[Profession.nurse] * (K + 1))
    submit(client, twice, stress=1, supported=1)  # the answer only this process holds
    # Meanwhile another process wrote this person's other answer, with its participation.
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO checkin_participations (user_id, period_start) VALUES (:u, :p)"),
            {"u": twice.id.hex if not is_postgres() else twice.id, "p": _MONDAY},
        )
    for person in others[: K - 1]:
        submit(client, person, stress=3)
    # Five waited, but one had answered elsewhere: four are too few, nothing is written.
    assert _count(engine, "checkin_responses") == 0
    assert POOL.waiting() == K - 1
    submit(client, others[-1], stress=3)
    assert _count(engine, "checkin_responses") == K
    assert _count(engine, "checkin_participations") == K + 1
    with engine.connect() as conn:
        stresses = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT value FROM checkin_answers WHERE question_key = 'stress'")
            )
        ]
    assert stresses == [3] * K  # the dropped answer (stress 1) is not among them
    assert _respondents(engine) == {department: K}


def test_a_failed_batch_is_retried_as_it_was_and_the_answer_still_succeeds(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * (2 * K))
    real_insert = batches._insert_responses
    calls = iter([True])

    def failing_once(*args: Any, **kwargs: Any) -> None:
        real_insert(*args, **kwargs)
        if next(calls, False):
            raise RuntimeError("the connection dropped")

    monkeypatch.setattr(batches, "_insert_responses", failing_once)
    for person in people[:K]:
        submit(client, person)  # the k-th answer's batch fails: still 201
    for table in CHECKIN_ROWS:
        assert _count(engine, table) == 0, table
    assert _has_answered(client, people[0])  # held while its batch waits for a retry
    submit(client, people[0], expect=409)
    submit(client, people[K])  # the next answer retries the failed batch, as it was
    assert _count(engine, "checkin_responses") == K
    assert _respondents(engine) == {department: K}
    # The failed batch was never merged with the answer that came after it.
    assert POOL.waiting() == 1
    for person in people[K + 1 :]:
        submit(client, person)
    assert _respondents(engine) == {department: 2 * K}


def test_a_failed_batch_that_loses_a_member_is_not_stored(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retrying it without that member would show their answer as the difference from
    the failed attempt's dead row versions: its people may answer again instead."""
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * K)
    fail = iter([True])

    def failing_once(*args: Any, **kwargs: Any) -> None:
        if next(fail, False):
            raise RuntimeError("the connection dropped")

    monkeypatch.setattr(batches, "_add_to_rollups", failing_once)
    for person in people:
        submit(client, person)
    with engine.begin() as conn:  # one of them answered through another process meanwhile
        conn.execute(
            sa.text("INSERT INTO checkin_participations (user_id, period_start) VALUES (:u, :p)"),
            {"u": people[0].id.hex if not is_postgres() else people[0].id, "p": _MONDAY},
        )
    monkeypatch.undo()
    clock.set_clock(lambda: WEDNESDAY)
    assert service.write_ready_batches(engine) == 0
    assert _count(engine, "checkin_responses") == 0
    assert POOL.waiting() == 0
    assert not _has_answered(client, people[1])
    submit(client, people[1])  # free to answer again


def test_a_batch_is_one_department_and_period(client: TestClient, engine: Engine) -> None:
    here, there = make_department(engine), make_department(engine)
    for person in _staff(engine, here, *[Profession.nurse] * (K - 1)):
        submit(client, person)
    for person in _staff(engine, there, *[Profession.nurse] * (K - 1)):
        submit(client, person)
    assert _count(engine, "checkin_responses") == 0
    submit(client, make_person(engine, department_id=there))
    assert _stored(engine) == [(there, "nurse")] * K
    assert POOL.waiting() == K - 1


# --- quasi-identifiers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("professions", "kept"),
    [
        ({"nurse": 5, "physician": 5}, {"nurse", "physician"}),
        ({"nurse": 5, "physician": 1}, set()),  # one physician: the nurses hide them
        ({"nurse": 6, "physician": 2, "pharmacist": 2}, set()),
        ({"nurse": 5, "physician": 7, "pharmacist": 3, "other": 2}, {"nurse", "physician"}),
        ({"nurse": 5, "physician": 6, "pharmacist": 3}, {"physician"}),
        ({"nurse": 4}, set()),
    ],
)
def test_professions_shared_by_fewer_than_k_are_hidden(
    professions: dict[str, int], kept: set[str]
) -> None:
    batch = [p for p, n in professions.items() for _ in range(n)]
    stored = service.generalised_professions(batch, K)
    assert {p for p, s in stored.items() if s is not None} == kept
    assert all(s in (p, None) for p, s in stored.items())
    hidden = sum(n for p, n in professions.items() if stored[p] is None)
    assert hidden == 0 or hidden >= K or not kept


def test_a_batch_of_mixed_professions_stores_none(client: TestClient, engine: Engine) -> None:
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * (K - 1), Profession.physician)
    for person in people:
        submit(client, person)
    assert _stored(engine) == [(department, None)] * K


def test_an_ended_period_writes_its_leftovers_under_no_department(
    client: TestClient, engine: Engine
) -> None:
    here, there = make_department(engine), make_department(engine)
    people = _staff(engine, here, Profession.nurse, Profession.nurse, Profession.physician)
    people += _staff(engine, there, Profession.pharmacist, Profession.nurse)
    for person in people:
        submit(client, person)
    assert run_due_jobs(engine)["checkin_answers_written"] == 0  # the period is still open
    assert POOL.waiting() == K
    clock.set_clock(lambda: NEXT_WEDNESDAY)
    assert run_due_jobs(engine)["checkin_answers_written"] == K
    assert _stored(engine) == [(None, None)] * K
    assert _count(engine, "checkin_participations") == K
    assert _respondents(engine) == {NO_DEPARTMENT: K}
    with new_session(engine) as session:
        (cell,) = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
    assert (cell.department_id, cell.respondents) == (None, K)


def test_an_ended_period_with_fewer_than_k_left_stores_nothing(
    client: TestClient, engine: Engine
) -> None:
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * (K - 1))
    for person in people:
        submit(client, person)
    clock.set_clock(lambda: NEXT_WEDNESDAY)
    assert service.write_ended_periods(engine) == 0
    for table in (*CHECKIN_ROWS, "checkin_rollups"):
        assert _count(engine, table) == 0, table
    assert POOL.waiting() == 0
    # The next period is theirs to answer.
    fresh = {"Authorization": f"Bearer {access_token_for(people[0].id)}"}
    body = client.get("/api/v1/checkins/current", headers=fresh).json()
    assert body["has_answered"] is False


def test_shutdown_writes_a_batch_whose_write_failed(
    app: FastAPI, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A graceful shutdown writes what it can; an answer of a running period still short
    of its batch stays in memory, and is lost with the process (its person may answer
    again: no participation was written)."""
    here, there = make_department(engine), make_department(engine)
    fail = iter([True])
    real_add = batches._add_to_rollups

    def failing_once(*args: Any, **kwargs: Any) -> None:
        if next(fail, False):
            raise RuntimeError("the connection dropped")
        real_add(*args, **kwargs)

    monkeypatch.setattr(batches, "_add_to_rollups", failing_once)
    with TestClient(app, base_url="https://testserver") as client:
        submit(client, make_person(engine, department_id=there))
        for person in _staff(engine, here, *[Profession.nurse] * K):
            submit(client, person)
        assert _count(engine, "checkin_responses") == 0
    assert _stored(engine) == [(here, "nurse")] * K
    assert POOL.waiting() == 1


def test_ended_periods_are_written_at_shutdown(app: FastAPI, engine: Engine) -> None:
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.physician] * K)
    with TestClient(app, base_url="https://testserver") as client:
        for person in people[:-1]:
            submit(client, person)
        other = make_person(engine)
        submit(client, other)
        clock.set_clock(lambda: NEXT_WEDNESDAY)
    assert _stored(engine) == [(None, None)] * K


def test_rollups_equal_a_recount_of_the_responses(client: TestClient, engine: Engine) -> None:
    rng = random.Random(7)
    departments = [make_department(engine) for _ in range(2)]
    for i in range(3 * K + 2):
        person = make_person(engine, department_id=departments[i % 2])
        submit(
            client,
            person,
            stress=rng.randint(1, 5),
            supported=rng.randint(1, 5),
            workload_manageable=rng.random() < 0.5,
        )
    clock.set_clock(lambda: NEXT_WEDNESDAY)
    service.write_ended_periods(engine)
    with new_session(engine) as session:
        kept = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
        service.rebuild_rollups(session, start=_MONDAY, end=_MONDAY)
        rebuilt = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
        session.rollback()

    def key(figures: list[Any]) -> list[Any]:
        return sorted(
            (str(f.department_id), f.respondents, sorted(f.questions, key=lambda q: q.key))
            for f in figures
        )

    assert key(kept) == key(rebuilt)
    assert sum(f.respondents for f in kept) == 3 * K + 2


def test_no_stored_group_is_smaller_than_k(client: TestClient, engine: Engine) -> None:
    """After batches, leftovers and a bulk load: every stored (period, department,
    profession) group with a profession has k or more, and so has every (period,
    department) group with a department."""
    rng = random.Random(11)
    departments = [make_department(engine) for _ in range(3)]
    professions = [Profession.nurse, Profession.nurse, Profession.physician, Profession.other]
    for _ in range(4 * K + 3):
        person = make_person(
            engine, department_id=rng.choice(departments), profession=rng.choice(professions)
        )
        submit(client, person)
    clock.set_clock(lambda: NEXT_WEDNESDAY)
    service.write_ended_periods(engine)
    past = _MONDAY - timedelta(weeks=1)
    with new_session(engine) as session:
        service.load_responses(
            session,
            responses=[
                service.LoadedResponse(
                    rng.choice([*departments, None]),
                    rng.choice(["nurse", "physician", "pharmacist"]),
                    past,
                    {"stress": 3},
                )
                for _ in range(23)
            ],
        )
        session.commit()
    # Every answer stored came with its participation, or from the load.
    written = _count(engine, "checkin_participations")
    assert 4 * K <= written <= 4 * K + 3
    assert _count(engine, "checkin_responses") == written + 23
    _assert_no_small_groups(engine)


def _assert_no_small_groups(engine: Engine) -> None:
    with engine.connect() as conn:
        by_profession = conn.execute(
            sa.text(
                "SELECT period_start, department_id, profession, count(*) FROM checkin_responses "
                "WHERE profession IS NOT NULL GROUP BY period_start, department_id, profession"
            )
        ).all()
        by_department = conn.execute(
            sa.text(
                "SELECT period_start, department_id, count(*) FROM checkin_responses "
                "WHERE department_id IS NOT NULL GROUP BY period_start, department_id"
            )
        ).all()
        hidden = conn.execute(
            sa.text(
                "SELECT period_start, department_id, count(*) FROM checkin_responses "
                "WHERE profession IS NULL AND department_id IS NOT NULL "
                "GROUP BY period_start, department_id"
            )
        ).all()
    assert [g for g in by_profession if g[-1] < K] == []
    assert [g for g in by_department if g[-1] < K] == []
    assert [g for g in hidden if g[-1] < K] == []


def test_a_bulk_load_is_generalised_like_a_batch(engine: Engine) -> None:
    big, mixed, small = (make_department(engine) for _ in range(3))
    week = date(2026, 1, 5)
    rows = (
        [(big, "nurse")] * 5
        + [(big, "physician")] * 5
        + [(mixed, "nurse")] * 4
        + [(mixed, "physician")] * 2
        + [(small, "nurse")] * 3
    )
    with new_session(engine) as session:
        service.load_responses(
            session,
            responses=[
                service.LoadedResponse(d, p, week, {"stress": 2, "supported": 4}) for d, p in rows
            ],
        )
        session.commit()
    stored = sorted(_stored(engine), key=str)
    assert stored == sorted(
        [(big, "nurse")] * 5 + [(big, "physician")] * 5 + [(mixed, None)] * 6 + [(None, None)] * 3,
        key=str,
    )
    assert _respondents(engine) == {big: 10, mixed: 6, NO_DEPARTMENT: 3}
    _assert_no_small_groups(engine)


# --- physical order ------------------------------------------------------------------------


def test_the_order_rows_are_written_in_is_drawn_for_each_table(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With the shuffle fixed to known permutations (participations reversed, responses
    rotated by two), the rows lie in the database in exactly those orders: each table's
    physical order is its own draw, not the order people answered in, nor the other's."""
    assert isinstance(getattr(batches._shuffle, "__self__", None), random.SystemRandom)

    def known(rows: list[Any]) -> None:
        if rows and isinstance(rows[0], dict):  # the participations
            rows.reverse()
        else:  # the answers, before their responses are written
            rows[:] = rows[2:] + rows[:2]

    monkeypatch.setattr(batches, "_shuffle", known)
    if is_postgres():
        with engine.begin() as conn:  # fresh heap files: line pointers in insertion order
            conn.execute(sa.text(f"TRUNCATE {', '.join(CHECKIN_ROWS)}"))
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * K)
    for i, person in enumerate(people):
        submit(client, person, stress=i + 1)
    stress_of = {p.id: i + 1 for i, p in enumerate(people)}

    with engine.connect() as conn:
        stress_by_response = {
            as_uuid(r): v
            for r, v in conn.execute(
                sa.text(
                    "SELECT response_id, value FROM checkin_answers WHERE question_key = 'stress'"
                )
            )
        }
        if is_postgres():
            participation_order = [
                as_uuid(r[0])
                for r in conn.execute(
                    sa.text("SELECT user_id FROM checkin_participations ORDER BY ctid")
                )
            ]
            response_order = [
                as_uuid(r[0])
                for r in conn.execute(sa.text("SELECT id FROM checkin_responses ORDER BY ctid"))
            ]
    if not is_postgres():
        with engine.connect() as conn:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
        assert busy == 0
        path = Path(sa.engine.make_url(database_url()).database or "")
        image = hot_copy(path)
        participation_order = [
            as_uuid(k) for k in insertion_order(image, "checkin_participations", tmp_path / "a")
        ]
        response_order = [
            as_uuid(k) for k in insertion_order(image, "checkin_responses", tmp_path / "b")
        ]
    submitted = [stress_of[p.id] for p in people]
    assert [stress_of[u] for u in participation_order] == submitted[::-1]
    assert [stress_by_response[r] for r in response_order] == submitted[2:] + submitted[:2]


# --- migration 0012 ------------------------------------------------------------------------


def test_migration_0012_generalises_the_groups_already_stored(engine: Engine) -> None:
    from tests.factories.checkins import response_rows

    template = default_template_id(engine)
    big, small = make_department(engine), make_department(engine)
    week = date(2026, 2, 2)
    responses: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for department, profession, count in (
        (big, "nurse", 6),
        (big, "physician", 2),
        (small, "nurse", 3),
        (None, "pharmacist", 1),
    ):
        r, a = response_rows(template, department, week, [4] * count, profession=profession)
        responses += r
        answer_rows += a
    url = database_url()
    downgrade(url, "0011")
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO checkin_responses (id, template_id, template_version, "
                    "department_id, profession, period_start) VALUES (:id, :template_id, "
                    ":template_version, "
                    ":department_id, :profession, :period_start)"
                ),
                [_bind(r) for r in responses],
            )
            conn.execute(
                sa.text(
                    "INSERT INTO checkin_answers (response_id, question_key, value, text) "
                    "VALUES (:response_id, :question_key, :value, :text)"
                ),
                [_bind(a) for a in answer_rows],
            )
        with new_session(engine) as session:
            service.rebuild_rollups(session, start=week, end=week + timedelta(days=6))
            session.commit()
        before = _totals(engine)
    finally:
        upgrade(url)
    assert _count(engine, "checkin_answers") == len(answer_rows)  # none lost to the rebuild
    assert sorted(_stored(engine), key=str) == sorted(
        [(big, None)] * 8 + [(None, None)] * 4, key=str
    )
    assert _respondents(engine) == {big: 8, NO_DEPARTMENT: 4}
    assert _totals(engine) == before  # the figures still add up
    _assert_no_small_groups(engine)


def _bind(row: dict[str, Any]) -> dict[str, Any]:
    if is_postgres():
        return row
    return {k: v.hex if isinstance(v, uuid.UUID) else v for k, v in row.items()}


def _totals(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            int(v or 0)
            for v in conn.execute(
                sa.text(
                    "SELECT (SELECT sum(respondents) FROM checkin_rollups), "
                    "sum(answered), sum(total), sum(high) FROM checkin_rollup_answers"
                )
            ).one()
        )


def test_answers_keep_their_meaning_through_a_batch(client: TestClient, engine: Engine) -> None:
    department = make_department(engine)
    people = _staff(engine, department, *[Profession.nurse] * K)
    for i, person in enumerate(people):
        response = client.post(
            "/api/v1/checkins/responses",
            json={"answers": answers(stress=i + 1, workload_manageable=i % 2 == 0)},
            headers=person.headers,
        )
        assert response.status_code == 201
    with new_session(engine) as session:
        (cell,) = service.weekly_checkin_figures(session, start=_MONDAY, end=_MONDAY)
    by_key = {q.key: q for q in cell.questions}
    assert (by_key["stress"].answered, by_key["stress"].total, by_key["stress"].high) == (5, 15, 2)
    assert (by_key["workload_manageable"].total, by_key["workload_manageable"].high) == (3, 3)
