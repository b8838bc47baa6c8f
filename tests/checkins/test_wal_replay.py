"""An insider with hot copies of the SQLite database file and its write-ahead log, taken
after every check-in answer, replays the log frame by frame and tries to tie each stored
response to the person who gave it. It must fail: a single answer writes nothing, and a
batch writes k participations and k responses in one commit, with nothing that narrows a
response down to fewer than k of those people.

This test runs the real application on a database file of its own (in WAL mode, as Haven
runs SQLite), whichever database the rest of the suite uses."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Profession
from haven.core import clock
from haven.core.db import create_db_engine
from haven.core.migrate import upgrade
from haven.core.settings import Settings
from haven.core.weeks import monday_of
from haven.jobs import run_due_jobs
from haven.main import create_app
from tests.checkins.sqlite_file import Commit, as_uuid, opened, snapshots, wal_commits
from tests.factories.checkins import submit
from tests.factories.org import Person, make_department, make_person
from tests.hot_copy import hot_copy

K = 5
_MONDAY = monday_of(datetime.now(UTC).date()) + timedelta(weeks=3)
WEDNESDAY = datetime.combine(_MONDAY + timedelta(days=2), time(10, 0), tzinfo=UTC)


@dataclass
class FileDatabase:
    path: Path
    engine: Engine
    client: TestClient

    def files(self) -> tuple[bytes, bytes]:
        """A hot copy: the main file and the WAL, as they are on disk right now."""
        return hot_copy(self.path), hot_copy(Path(f"{self.path}-wal"))


@pytest.fixture
def database(tmp_path: Path, settings: Settings) -> Iterator[FileDatabase]:
    path = tmp_path / "haven.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    file_settings = settings.model_copy(update={"database_url": url})
    engine = create_db_engine(file_settings)

    @sa.event.listens_for(engine, "connect")
    def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any) -> None:
        # Frames stay in the WAL for the replay; the test also checks that the main file
        # never changes (nothing was folded back into it).
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    app = create_app(file_settings, engine)
    with TestClient(app, base_url="https://testserver") as client:
        yield FileDatabase(path, engine, client)
    engine.dispose()


@dataclass(frozen=True)
class Row:
    key: str
    department: uuid.UUID | None
    profession: str | None


def _state(snapshot: bytes, where: Path) -> tuple[set[str], dict[str, Row], dict[str, Row]]:
    """Participations (user ids), responses by id, and every person's department and
    profession, as the snapshot holds them."""
    with opened(snapshot, where) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "checkin_participations" not in tables:
            return set(), {}, {}
        participations = {
            str(as_uuid(r[0])) for r in conn.execute("SELECT user_id FROM checkin_participations")
        }
        responses = {
            str(as_uuid(r[0])): Row(str(as_uuid(r[0])), as_uuid(r[1]) if r[1] else None, r[2])
            for r in conn.execute("SELECT id, department_id, profession FROM checkin_responses")
        }
        people = {
            str(as_uuid(r[0])): Row(str(as_uuid(r[0])), as_uuid(r[1]) if r[1] else None, r[2])
            for r in conn.execute("SELECT id, department_id, profession FROM users")
        }
    return participations, responses, people


def _candidates(response: Row, new_people: list[Row], written: list[Row]) -> list[Row]:
    """Everyone the attacker cannot rule out for a response that appeared in a commit:
    the people whose participation appeared in the same commit, of the response's
    department when it has one, and of its profession when stored; a response without a
    profession is from someone whose profession no response of that commit names."""
    named = {r.profession for r in written if r.profession is not None}
    return [
        person
        for person in new_people
        if (response.department is None or person.department == response.department)
        and (
            person.profession == response.profession
            if response.profession is not None
            else person.profession not in named
        )
    ]


def _people(engine: Engine) -> dict[str, list[Person]]:
    a, b = make_department(engine), make_department(engine)
    nurse, physician, pharmacist = Profession.nurse, Profession.physician, Profession.pharmacist
    return {
        "A": [
            make_person(engine, department_id=a, profession=p)
            for p in (nurse, nurse, nurse, physician, physician, nurse, pharmacist)
        ],
        "B": [
            make_person(engine, department_id=b, profession=p) for p in (nurse,) * 7 + (physician,)
        ],
        "none": [make_person(engine, profession=nurse)],
    }


def test_replaying_the_wal_links_no_answer_to_a_person(database: FileDatabase) -> None:
    clock.set_clock(lambda: WEDNESDAY)
    people = _people(database.engine)
    a, b, none = people["A"], people["B"], people["none"]
    # The check-in's template is created the first time anyone opens it: before the copies.
    assert database.client.get("/api/v1/checkins/current", headers=a[0].headers).status_code == 200
    order = [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4]]
    order += [a[5], b[5], none[0], a[6], b[6], b[7]]
    batch_ends = {a[4].id, b[4].id}  # the k-th answer of department A, then of B

    main, wal = database.files()
    commits_before = len(wal_commits(wal))
    for person in order:
        submit(database.client, person, stress=1 + order.index(person) % 5)
        now_main, now_wal = database.files()
        assert now_main == main, "a checkpoint folded frames into the main file"
        if person.id not in batch_ends:
            # A single answer adds no frame at all: there is nothing to copy.
            assert now_wal == wal
        else:
            new = wal_commits(now_wal)[len(wal_commits(wal)) :]
            assert len(new) == 1, "a batch is one commit"
        wal = now_wal

    # The period ends; the periodic job writes what is left (6 answers from three groups)
    # as one batch under no department.
    clock.set_clock(lambda: WEDNESDAY + timedelta(days=7))
    assert run_due_jobs(database.engine)["checkin_answers_written"] == 6
    main_after, wal = database.files()
    assert main_after == main

    commits: list[Commit] = wal_commits(wal)
    assert len(commits) > commits_before
    where = database.path.parent / "snapshot.sqlite"
    previous: tuple[set[str], dict[str, Row], dict[str, Row]] = (set(), {}, {})
    batches = 0
    linked: list[str] = []
    for snapshot in snapshots(main, commits):
        participations, responses, persons = _state(snapshot, where)
        new_participations = participations - previous[0]
        new_responses = [r for key, r in responses.items() if key not in previous[1]]
        previous = (participations, responses, persons)
        if not new_participations and not new_responses:
            continue
        batches += 1
        assert len(new_participations) >= K
        assert len(new_responses) == len(new_participations)
        new_people = [persons[p] for p in sorted(new_participations)]
        for response in new_responses:
            candidates = _candidates(response, new_people, new_responses)
            if len(candidates) < K:
                linked.append(response.key)
    assert batches == 3
    assert linked == []
    assert len(previous[0]) == len(order)


def test_the_wal_holds_no_answer_before_its_batch(database: FileDatabase) -> None:
    """Answers short of a batch are nowhere in the files: not the WAL, not the main file."""
    clock.set_clock(lambda: WEDNESDAY)
    department = make_department(database.engine)
    people = [make_person(database.engine, department_id=department) for _ in range(K - 1)]
    assert database.client.get("/api/v1/checkins/current", headers=people[0].headers)
    before = database.files()
    for person in people:
        submit(database.client, person, stress=5, supported=1)
    assert database.files() == before
    main, wal = before
    for snapshot in snapshots(main, wal_commits(wal)):
        participations, responses, _people = _state(snapshot, database.path.parent / "s.sqlite")
        assert participations == set()
        assert responses == {}
