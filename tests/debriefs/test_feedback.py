"""Anonymous feedback after a debrief: once per participant, never linked to the person,
averages only from 5 answers and only once feedback has closed.

The last tests look at the database with full access, as an administrator of the database
would, and try every way to join an answer to the person who gave it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.settings import Settings
from haven.debriefs.schemas import DebriefStatus
from haven.models import metadata
from tests.conftest import is_postgres
from tests.core.test_http import assert_problem
from tests.debriefs.conftest import Team
from tests.factories.debriefs import API, complete_record, hold, make_debrief, move
from tests.factories.org import Person, make_person

ANSWER = {"felt_safe": 4, "systems_focus": 5, "useful": 3}


def _held_with(engine: Engine, team: Team, people: list[Person]):
    debrief = make_debrief(
        engine,
        team.officer.principal,
        department_id=team.ward,
        facilitator_id=team.facilitator.id,
        participant_ids=[p.id for p in people],
    )
    return hold(engine, team.officer.principal, debrief.id)


def _answer(client: TestClient, person: Person, debrief_id, body=ANSWER, **headers: str):
    return client.post(
        f"{API}/debriefs/{debrief_id}/feedback", json=body, headers={**person.headers, **headers}
    )


def _close(engine: Engine, team: Team, debrief_id) -> None:
    complete_record(engine, team.officer.principal, debrief_id)
    move(engine, team.officer.principal, debrief_id, DebriefStatus.summarized)
    move(engine, team.officer.principal, debrief_id, DebriefStatus.closed)


def _staff(engine: Engine, team: Team, n: int) -> list[Person]:
    return [make_person(engine, Role.staff, department_id=team.ward) for _ in range(n)]


# --- who answers, when, how often ------------------------------------------------------


def test_a_participant_answers_once(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held_with(engine, team, [team.alice])
    assert _answer(client, team.alice, debrief.id).status_code == 204
    assert_problem(_answer(client, team.alice, debrief.id), 409)
    state = client.get(f"{API}/debriefs/{debrief.id}", headers=team.alice.headers).json()
    assert state["feedback"] == {"is_open": True, "can_give": False, "given": True}


def test_someone_not_invited_cannot_answer(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held_with(engine, team, [team.alice])
    assert_problem(_answer(client, team.outsider, debrief.id), 404)
    # Those who run it were not invited either.
    assert_problem(_answer(client, team.lead, debrief.id), 403)


def test_someone_marked_absent_cannot_answer(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _held_with(engine, team, [team.alice, team.bob])
    client.post(
        f"{API}/debriefs/{debrief.id}/attendance",
        json={"absent": [str(team.bob.id)]},
        headers=team.facilitator.headers,
    )
    assert_problem(_answer(client, team.bob, debrief.id), 403)


def test_feedback_opens_when_the_debrief_is_held(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = make_debrief(
        engine,
        team.officer.principal,
        department_id=team.ward,
        facilitator_id=team.facilitator.id,
        participant_ids=[team.alice.id],
    )
    assert_problem(_answer(client, team.alice, debrief.id), 409)


def test_holding_the_debrief_asks_participants_for_feedback(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _held_with(engine, team, [team.alice])
    inbox = client.get(f"{API}/notifications", headers=team.alice.headers).json()["items"]
    assert {
        "title": "Tell us anonymously how a debrief went",
        "link": f"/debriefs/{debrief.id}/feedback",
    } in [{"title": n["title"], "link": n["link"]} for n in inbox]


def test_feedback_closes_with_the_debrief(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held_with(engine, team, [team.alice])
    _close(engine, team, debrief.id)
    assert_problem(_answer(client, team.alice, debrief.id), 409)


def test_feedback_closes_after_the_window(
    client: TestClient, engine: Engine, team: Team, settings: Settings
) -> None:
    debrief = _held_with(engine, team, [team.alice])
    later = clock.now() + timedelta(days=settings.debriefs.feedback_window_days, minutes=1)
    clock.set_clock(lambda: later)
    # A token minted now would have expired: ask the service directly.
    from haven.core.db import new_session
    from haven.debriefs import service

    with new_session(engine) as session:
        assert (
            service.get_debrief(
                session, team.alice.principal, debrief_id=debrief.id
            ).feedback.is_open
            is False
        )


@pytest.mark.parametrize("score", [0, 6, "4", None])
def test_scores_are_one_to_five(client: TestClient, engine: Engine, team: Team, score) -> None:
    debrief = _held_with(engine, team, [team.alice])
    assert_problem(_answer(client, team.alice, debrief.id, {**ANSWER, "useful": score}), 422)


def test_an_answer_cannot_carry_anything_else(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _held_with(engine, team, [team.alice])
    assert_problem(_answer(client, team.alice, debrief.id, {**ANSWER, "comment": "Bob"}), 422)


# --- averages --------------------------------------------------------------------------


def test_averages_are_hidden_below_five_answers(
    client: TestClient, engine: Engine, team: Team
) -> None:
    people = _staff(engine, team, 4)
    debrief = _held_with(engine, team, people)
    for person in people:
        _answer(client, person, debrief.id)
    _close(engine, team, debrief.id)
    summary = client.get(f"{API}/debriefs/{debrief.id}/feedback", headers=team.lead.headers).json()
    assert summary == {
        "responses": 4,
        "minimum_responses": 5,
        "published": False,
        "felt_safe": None,
        "systems_focus": None,
        "useful": None,
    }


def test_averages_are_hidden_while_feedback_is_open(
    client: TestClient, engine: Engine, team: Team
) -> None:
    people = _staff(engine, team, 6)
    debrief = _held_with(engine, team, people)
    for person in people[:5]:
        _answer(client, person, debrief.id)
    summary = client.get(f"{API}/debriefs/{debrief.id}/feedback", headers=team.facilitator.headers)
    # Shown now, the sixth answer could be read off by comparing with the next view.
    assert summary.json()["published"] is False and summary.json()["felt_safe"] is None


def test_averages_are_shown_from_five_answers_once_closed(
    client: TestClient, engine: Engine, team: Team
) -> None:
    people = _staff(engine, team, 5)
    debrief = _held_with(engine, team, people)
    for i, person in enumerate(people):
        _answer(client, person, debrief.id, {"felt_safe": 1 + i, "systems_focus": 5, "useful": 4})
    _close(engine, team, debrief.id)
    summary = client.get(f"{API}/debriefs/{debrief.id}/feedback", headers=team.facilitator.headers)
    assert summary.json() == {
        "responses": 5,
        "minimum_responses": 5,
        "published": True,
        "felt_safe": 3.0,
        "systems_focus": 5.0,
        "useful": 4.0,
    }


def test_participants_do_not_see_the_averages(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _held_with(engine, team, [team.alice])
    assert_problem(
        client.get(f"{API}/debriefs/{debrief.id}/feedback", headers=team.alice.headers), 403
    )


# --- nothing links an answer to a person -----------------------------------------------


def test_no_audit_row_and_no_idempotency_record_is_written(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _held_with(engine, team, [team.alice])
    with engine.connect() as conn:
        audit_before = conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one()
    response = _answer(client, team.alice, debrief.id, **{"Idempotency-Key": "feedback-1"})
    assert response.status_code == 204
    with engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() == audit_before
        )
        assert conn.execute(sa.text("SELECT count(*) FROM idempotency_records")).scalar_one() == 0


def test_the_answer_table_holds_no_person_and_no_time() -> None:
    answers = metadata.tables["debrief_feedback_answers"]
    givers = metadata.tables["debrief_feedback_givers"]
    assert set(answers.c.keys()) == {"id", "debrief_id", "felt_safe", "systems_focus", "useful"}
    assert set(givers.c.keys()) == {"debrief_id", "user_id"}
    # No foreign key from an answer to anything but its debrief.
    assert {fk.column.table.name for fk in answers.foreign_keys} == {"debriefs"}


def _dump(engine: Engine, debrief_id: uuid.UUID) -> tuple[list[dict], list[dict]]:
    """Everything in both tables for the debrief, with the system columns an administrator
    could read: the physical order, and on PostgreSQL ``ctid`` and ``xmin``."""
    extra = ", ctid::text AS ctid, xmin::text AS xmin" if is_postgres() else ""
    with engine.connect() as conn:
        answers = [
            dict(r._mapping)
            for r in conn.execute(
                sa.text(f"SELECT *{extra} FROM debrief_feedback_answers WHERE debrief_id = :d"),
                {"d": debrief_id if is_postgres() else debrief_id.hex},
            )
        ]
        givers = [
            dict(r._mapping)
            for r in conn.execute(
                sa.text(f"SELECT *{extra} FROM debrief_feedback_givers WHERE debrief_id = :d"),
                {"d": debrief_id if is_postgres() else debrief_id.hex},
            )
        ]
    return answers, givers


def test_with_full_database_access_an_answer_cannot_be_joined_to_its_person(
    client: TestClient, engine: Engine, team: Team
) -> None:
    people = _staff(engine, team, 8)
    debrief = _held_with(engine, team, people)
    # Each person gives a distinct answer, in a known order: the truth an attacker wants.
    truth: dict[str, tuple[int, int, int]] = {}
    for i, person in enumerate(people):
        answer = (1 + i % 5, 1 + (i // 5), 5 - i % 5)
        truth[person.id.hex] = answer
        body = dict(zip(("felt_safe", "systems_focus", "useful"), answer, strict=True))
        assert _answer(client, person, debrief.id, body).status_code == 204
    answers, givers = _dump(engine, debrief.id)
    assert len(answers) == len(givers) == len(people)

    # 1. No column is shared but the debrief.
    shared = (set(answers[0]) & set(givers[0])) - {"debrief_id", "ctid", "xmin"}
    assert shared == set()

    # 2. The physical order of the answers is their random id, not the order of answering,
    #    and the answerers are in the order of their user ids.
    def as_uuid(value: object) -> uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))

    def physical(rows: list[dict]) -> list[dict]:
        if not is_postgres():
            return rows  # WITHOUT ROWID: a plain scan walks the primary key
        return sorted(rows, key=lambda r: tuple(int(x) for x in r["ctid"].strip("()").split(",")))

    answer_ids = [as_uuid(r["id"]) for r in physical(answers)]
    assert answer_ids == sorted(answer_ids)
    giver_ids = [as_uuid(r["user_id"]) for r in physical(givers)]
    assert giver_ids == sorted(giver_ids)

    # 3. On PostgreSQL every row of both tables carries the same transaction id: xmin joins
    #    everyone to everything. On SQLite there is no rowid to order by.
    if is_postgres():
        assert len({r["xmin"] for r in answers} | {r["xmin"] for r in givers}) == 1
    else:
        with engine.connect() as conn, pytest.raises(sa.exc.OperationalError):
            conn.execute(sa.text("SELECT rowid FROM debrief_feedback_answers"))

    # 4. So the attacker's best join (k-th answerer by any visible order with the k-th answer)
    #    is a guess: across every order an administrator can see, it does not recover the truth
    #    for everyone. (The chance that a random id order matches by luck is 1 in 8! = 40320.)
    scores = [(r["felt_safe"], r["systems_focus"], r["useful"]) for r in physical(answers)]
    order_of_answering = list(truth)
    for giver_order in (order_of_answering, [g.hex for g in giver_ids]):
        guess = dict(zip(giver_order, scores, strict=True))
        assert guess != truth
    assert sorted(scores) == sorted(truth.values())
