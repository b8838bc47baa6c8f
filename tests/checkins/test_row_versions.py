"""An insider reads PostgreSQL's heap pages of the check-in tables with ``pageinspect``:
every row version, dead ones included (a batch that failed and was rolled back, old
versions of the rollups), each with the transaction that wrote it (``t_xmin``) and its
line pointer. Grouping by transaction and by physical order must tie no response to
fewer than k people, and no two versions of a rollup row may differ by fewer than k."""

from __future__ import annotations

import itertools
import struct
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection, Engine

from haven.auth.schemas import Profession
from haven.checkins import batches
from haven.core import clock
from haven.core.weeks import monday_of
from haven.jobs import run_due_jobs
from tests.conftest import is_postgres
from tests.factories.checkins import submit
from tests.factories.org import Person, make_department, make_person

pytestmark = pytest.mark.skipif(
    not is_postgres(),
    reason="PostgreSQL's heap pages; SQLite's files are replayed in test_wal_replay.py",
)

K = 5
_MONDAY = monday_of(datetime.now(UTC).date()) + timedelta(weeks=3)
WEDNESDAY = datetime.combine(_MONDAY + timedelta(days=2), time(10, 0), tzinfo=UTC)
CHECKIN_TABLES = (
    "checkin_answers",
    "checkin_responses",
    "checkin_participations",
    "checkin_rollup_answers",
    "checkin_rollups",
)
PG_EPOCH = date(2000, 1, 1)


@dataclass(frozen=True)
class Version:
    """One row version as it lies in a heap page."""

    block: int
    line_pointer: int
    xmin: int
    status: str  # the writing transaction's: committed, aborted
    values: dict[str, bytes | None]


def _varlena(raw: bytes) -> bytes:
    if raw[0] & 0x01:  # short header: one byte, length in the upper seven bits
        return raw[1 : raw[0] >> 1]
    return raw[4 : struct.unpack("<I", raw[:4])[0] >> 2]


def _uuid(raw: bytes | None) -> uuid.UUID | None:
    return None if raw is None else uuid.UUID(bytes=raw)


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else _varlena(raw).decode()


def _int(raw: bytes | None) -> int:
    assert raw is not None
    return int(struct.unpack("<i", raw)[0])


def _date(raw: bytes | None) -> date:
    return PG_EPOCH + timedelta(days=_int(raw))


def heap_versions(conn: Connection, table: str) -> list[Version]:
    """Every tuple in the table's pages, live or dead, in physical order."""
    columns = [
        r[0]
        for r in conn.execute(
            sa.text(
                "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
            {"t": table},
        )
    ]
    blocks = conn.execute(
        sa.text(
            "SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int"
        ),
        {"t": table},
    ).scalar_one()
    versions: list[Version] = []
    for block in range(int(blocks)):
        rows = conn.execute(
            sa.text(
                "SELECT h.lp, h.t_xmin::text::bigint, pg_xact_status(h.t_xmin::text::xid8), "
                "tuple_data_split(CAST(:t AS regclass), h.t_data, h.t_infomask, "
                "h.t_infomask2, h.t_bits) "
                "FROM heap_page_items(get_raw_page(:t, :b)) h WHERE h.t_data IS NOT NULL "
                "ORDER BY h.lp"
            ),
            {"t": table, "b": block},
        ).all()
        for lp, xmin, status, data in rows:
            values = {
                c: None if v is None else bytes(v) for c, v in zip(columns, data, strict=True)
            }
            versions.append(Version(block, int(lp), int(xmin), str(status), values))
    return versions


def _answers_of(engine: Engine, responses: list[Version]) -> list[tuple[tuple[str, int], ...]]:
    """Each response's answers, read from the answers' own row versions."""
    ids = {_uuid(r.values["id"]) for r in responses}
    with engine.connect() as conn:
        versions = heap_versions(conn, "checkin_answers")
    by_response: dict[uuid.UUID | None, list[tuple[str, int]]] = defaultdict(list)
    for v in versions:
        response_id = _uuid(v.values["response_id"])
        if response_id in ids:
            by_response[response_id].append(
                (_text(v.values["question_key"]) or "", _int(v.values["value"]))
            )
    return [tuple(sorted(by_response[i])) for i in ids]


def _people(engine: Engine) -> dict[str, list[Person]]:
    a, b = make_department(engine), make_department(engine)
    nurse, physician, pharmacist = Profession.nurse, Profession.physician, Profession.pharmacist
    return {
        "A": [
            make_person(engine, department_id=a, profession=p)
            for p in (nurse, nurse, nurse, physician, physician, nurse, pharmacist)
        ],
        "B": [
            make_person(engine, department_id=b, profession=p) for p in (nurse,) * 9 + (physician,)
        ],
        "none": [make_person(engine, profession=p) for p in (nurse, nurse, physician)],
    }


def test_row_versions_link_no_answer_to_a_person(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        # Fresh heap files: every tuple read below was written by this test.
        conn.execute(sa.text(f"TRUNCATE {', '.join(CHECKIN_TABLES)}"))
    clock.set_clock(lambda: WEDNESDAY)
    people = _people(engine)
    a, b, none = people["A"], people["B"], people["none"]
    everyone = {p.id: p for group in people.values() for p in group}
    professions = {
        p.id: prof
        for group, profs in (
            ("A", ["nurse"] * 3 + ["physician"] * 2 + ["nurse", "pharmacist"]),
            ("B", ["nurse"] * 9 + ["physician"]),
            ("none", ["nurse", "nurse", "physician"]),
        )
        for p, prof in zip(people[group], profs, strict=True)
    }

    # The first batch fails after its rows are inserted: PostgreSQL keeps the rolled-back
    # tuples (participations and responses of one aborted transaction).
    real_add = batches._add_to_rollups
    failures = iter([True])

    def failing_once(*args: Any, **kwargs: Any) -> None:
        if next(failures, False):
            raise RuntimeError("the database went away")
        real_add(*args, **kwargs)

    monkeypatch.setattr(batches, "_add_to_rollups", failing_once)
    # A's batch is the first written: it fails, and is sealed to be retried as it was.
    order = [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4]]
    # a[5]'s answer arrives before the retry (which it triggers): it must not join it.
    order += [a[5], b[4]]  # b[4]: B's batch, written
    order += [b[5], none[0], a[6], b[6], b[7], none[1], b[8], none[2], b[9]]
    # b[9]: B's second batch, so B's rollup row moves a second time.
    for i, person in enumerate(order):
        submit(client, person, stress=1 + i % 5)
    clock.set_clock(lambda: WEDNESDAY + timedelta(days=7))
    # Left over: A's two, the three without a department: five, under no department.
    assert run_due_jobs(engine)["checkin_answers_written"] == K

    with engine.connect() as conn:
        participations = heap_versions(conn, "checkin_participations")
        responses = heap_versions(conn, "checkin_responses")
        rollups = heap_versions(conn, "checkin_rollups")
        rollup_answers = heap_versions(conn, "checkin_rollup_answers")

    # What the attacker has to work with: dead tuples of an aborted batch, and old rollups.
    assert {v.status for v in participations} == {"committed", "aborted"}
    assert sum(v.status == "aborted" for v in responses) == K
    assert len(rollups) > len(
        {(v.values["week_start"], v.values["department_key"]) for v in rollups}
    )

    # 1. By transaction: every transaction that wrote check-in rows wrote at least k
    #    participations and as many responses, and each response's candidates (same
    #    transaction, department, profession) are at least k people.
    by_xmin_people: dict[int, list[uuid.UUID]] = defaultdict(list)
    for v in participations:
        user = _uuid(v.values["user_id"])
        assert user is not None
        by_xmin_people[v.xmin].append(user)
    by_xmin_responses: dict[int, list[Version]] = defaultdict(list)
    for v in responses:
        by_xmin_responses[v.xmin].append(v)
    assert set(by_xmin_people) == set(by_xmin_responses)
    assert len(by_xmin_people) == 5  # A (failed), A's retry, B, B again, the leftovers
    # The failed attempt's dead tuples and the written retry hold the same people and the
    # same answers: comparing them gives nothing away.
    status = {v.xmin: v.status for v in participations}
    (aborted,) = [x for x in by_xmin_people if status[x] == "aborted"]
    retries = [
        x
        for x in by_xmin_people
        if x != aborted and set(by_xmin_people[x]) == set(by_xmin_people[aborted])
    ]
    assert len(retries) == 1
    assert sorted(_answers_of(engine, by_xmin_responses[aborted])) == sorted(
        _answers_of(engine, by_xmin_responses[retries[0]])
    )
    linked: list[tuple[int, int]] = []
    for xmin, users in by_xmin_people.items():
        written = by_xmin_responses[xmin]
        assert len(users) >= K
        assert len(written) == len(users)
        named = {_text(r.values["profession"]) for r in written} - {None}
        for response in written:
            department = _uuid(response.values["department_id"])
            profession = _text(response.values["profession"])
            candidates = [
                u
                for u in users
                if (department is None or everyone[u].department_id == department)
                and (
                    professions[u] == profession
                    if profession is not None
                    else professions[u] not in named
                )
            ]
            if len(candidates) < K:
                linked.append((response.block, response.line_pointer))
    assert linked == []

    # 2. By physical order: within a transaction, the i-th participation's line pointer
    #    and the i-th response's are no pair. Their orders were drawn independently (see
    #    test_physical_order.py); here, no transaction's tuples are fewer than k, so the
    #    order has at least k! arrangements to choose from.
    for users in by_xmin_people.values():
        assert len(users) >= K

    # 3. Rollup versions: consecutive versions of a row differ by at least k respondents
    #    (and by at least k answers to every required question).
    counts: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for v in rollups:
        counts[(v.values["week_start"], v.values["department_key"])].add(
            _int(v.values["respondents"])
        )
    for v in rollup_answers:
        key = (v.values["week_start"], v.values["department_key"], v.values["question_key"])
        counts[key].add(_int(v.values["answered"]))
    for key, values in counts.items():
        steps = sorted(values)
        assert steps[0] >= K, key
        assert all(later - earlier >= K for earlier, later in itertools.pairwise(steps)), key
    assert {_date(v.values["week_start"]) for v in rollups} == {_MONDAY}
