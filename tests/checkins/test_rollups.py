"""The check-in rollups are checked, not trusted: compared with a rebuild from the stored
answers in a transaction that is rolled back, by the service and by ``haven db
check-rollups`` (the same check runs after every test, see tests/conftest.py)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from haven.checkins import service
from haven.checkins.models import NO_DEPARTMENT
from haven.core.db import new_session
from tests.conftest import is_postgres
from tests.factories.checkins import add_responses
from tests.factories.org import make_department
from tests.test_cli import haven

WEEK = date(2026, 2, 2)
ORPHAN_WEEK = WEEK + timedelta(weeks=1)
STRESS = [1, 2, 4, 5, 5]
SUPPORTED = {"answered": 5, "total": 20, "high": 5}  # the factory answers 4 five times


def _bind(value: uuid.UUID) -> uuid.UUID | str:
    return value if is_postgres() else value.hex


def _rollup_tables(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            *conn.execute(sa.text("SELECT * FROM checkin_rollups ORDER BY 1, 2")).all(),
            *conn.execute(sa.text("SELECT * FROM checkin_rollup_answers ORDER BY 1, 2, 3")).all(),
        ]


def _tamper(engine: Engine) -> None:
    """Three ways rollups go wrong: a row off by one, a row lost, a row with no answers."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE checkin_rollups SET respondents = respondents + 1"))
        conn.execute(sa.text("DELETE FROM checkin_rollup_answers WHERE question_key = 'supported'"))
        conn.execute(
            sa.text(
                "INSERT INTO checkin_rollups (week_start, department_key, respondents) "
                "VALUES (:week, :department, 7)"
            ),
            {"week": ORPHAN_WEEK, "department": _bind(NO_DEPARTMENT)},
        )


def _repair(engine: Engine) -> None:
    with new_session(engine) as session:
        service.rebuild_rollups(session, start=WEEK, end=ORPHAN_WEEK + timedelta(days=6))
        session.commit()
    assert service.rollup_differences(engine) == []


def test_rollups_loaded_in_bulk_equal_a_rebuild(engine: Engine) -> None:
    add_responses(engine, make_department(engine), WEEK, STRESS)
    assert service.rollup_differences(engine) == []


def test_no_answers_no_rollups_no_differences(engine: Engine) -> None:
    assert service.rollup_differences(engine) == []


def test_rollups_unlike_the_answers_are_listed_and_left_as_they_are(engine: Engine) -> None:
    department = make_department(engine)
    add_responses(engine, department, WEEK, STRESS)
    _tamper(engine)
    before = _rollup_tables(engine)

    differences = service.rollup_differences(engine)

    assert [
        (d.table, d.week_start, d.department_key, d.question_key, d.stored, d.rebuilt)
        for d in differences
    ] == [
        ("checkin_rollup_answers", WEEK, department, "supported", None, SUPPORTED),
        ("checkin_rollups", WEEK, department, None, {"respondents": 6}, {"respondents": 5}),
        ("checkin_rollups", ORPHAN_WEEK, NO_DEPARTMENT, None, {"respondents": 7}, None),
    ]
    assert differences[2].describe() == (
        f"checkin_rollups, week {ORPHAN_WEEK.isoformat()}, no department: "
        "stored respondents=7, rebuilt missing"
    )
    assert _rollup_tables(engine) == before  # the rebuild was rolled back
    _repair(engine)


def test_check_rollups_command_passes_when_they_equal_a_rebuild(engine: Engine) -> None:
    add_responses(engine, make_department(engine), WEEK, STRESS)
    result = haven("db", "check-rollups")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The check-in rollups equal a rebuild from the answers.\n"


def test_check_rollups_command_lists_the_rows_that_differ(engine: Engine) -> None:
    department = make_department(engine)
    add_responses(engine, department, WEEK, STRESS)
    _tamper(engine)

    result = haven("db", "check-rollups")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "3 check-in rollup row(s) differ from a rebuild from the answers:"
    assert lines[1:] == [
        f"  checkin_rollup_answers, week {WEEK}, {department}, question supported: "
        "stored missing, rebuilt answered=5 total=20 high=5",
        f"  checkin_rollups, week {WEEK}, {department}: stored respondents=6, "
        "rebuilt respondents=5",
        f"  checkin_rollups, week {ORPHAN_WEEK}, no department: stored respondents=7, "
        "rebuilt missing",
    ]

    result = haven("db", "check-rollups", "--json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["differences"][1] == {
        "table": "checkin_rollups",
        "week_start": WEEK.isoformat(),
        "department_key": str(department),
        "question_key": None,
        "stored": {"respondents": 6},
        "rebuilt": {"respondents": 5},
    }
    _repair(engine)
