"""Test harness: a real database built by the migrations, cleaned between tests.

The backend runs against SQLite by default and against PostgreSQL when
``HAVEN_TEST_DATABASE_URL`` names one (``make test`` runs the suite once each way).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="haven-tests-"))
os.environ.setdefault("HAVEN_ENV", "test")
os.environ["HAVEN_VAR_DIR"] = str(_TMP / "var")
os.environ["HAVEN_WEB_DIR"] = str(_TMP / "no-web-client")
os.environ["HAVEN_SECRET_KEY"] = "test-secret-key-with-enough-length-0123456789"
# Cheap argon2 parameters: the tests exercise the logic, not the cost.
os.environ["HAVEN_AUTH_ARGON2_TIME_COST"] = "1"
os.environ["HAVEN_AUTH_ARGON2_MEMORY_KIB"] = "64"
os.environ["HAVEN_AUTH_ARGON2_PARALLELISM"] = "1"
# Every test client is one address: per-client limits stay out of the way of tests about
# other things. tests/core/test_limits.py and tests/reports/test_flood.py set the defaults.
for _limit in ("ANONYMOUS_REPORTS", "ANONYMOUS_MESSAGES", "RECEIPT_EXCHANGES", "SIGN_INS"):
    os.environ[f"HAVEN_LIMITS_{_limit}"] = "100000"
_DB_URL = os.environ.get("HAVEN_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'haven-test.sqlite'}"
os.environ["HAVEN_DATABASE_URL"] = _DB_URL

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from haven.checkins import service as checkins_service  # noqa: E402
from haven.checkins.pool import POOL as CHECKIN_POOL  # noqa: E402
from haven.core import cache, clock, limits  # noqa: E402
from haven.core.audit import GENESIS_HASH, HEAD_ID  # noqa: E402
from haven.core.db import create_db_engine, new_session  # noqa: E402
from haven.core.migrate import upgrade  # noqa: E402
from haven.core.settings import Settings, get_settings  # noqa: E402
from haven.main import create_app  # noqa: E402
from haven.models import metadata  # noqa: E402

KEEP_TABLES = {"alembic_version"}


def database_url() -> str:
    return _DB_URL


def is_postgres() -> bool:
    return _DB_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def settings() -> Settings:
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    if is_postgres():
        _reset_postgres(_DB_URL)
    upgrade(_DB_URL)
    eng = create_db_engine(settings)
    yield eng
    eng.dispose()


def _reset_postgres(url: str) -> None:
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    eng.dispose()


def _clean(engine: Engine) -> None:
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in KEEP_TABLES]
    # DELETE, children first, on both databases: on PostgreSQL a TRUNCATE of every table
    # costs ~200 ms (new files for each), a DELETE of a test's few rows ~15 ms.
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        conn.execute(
            sa.text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (:id, 0, :h)"),
            {"id": HEAD_ID, "h": GENESIS_HASH},
        )
    # The audit chain's anchors live outside the database (haven.core.audit): a test's
    # anchors would contradict the next test's chain.
    anchor_file = get_settings().audit.anchor_file
    if anchor_file is not None:
        anchor_file.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    clock.set_clock(None)
    cache.clear_all()
    limits.reset_all()  # per-client allowances in memory belong to one test
    CHECKIN_POOL.clear()  # check-in answers waiting in memory belong to one test
    yield
    clock.set_clock(None)
    CHECKIN_POOL.clear()
    if "engine" in request.fixturenames:
        engine = request.getfixturevalue("engine")
        try:
            if "rollups_may_differ" not in request.fixturenames:
                _check_rollups(engine)
        finally:
            _clean(engine)


def _check_rollups(engine: Engine) -> None:
    """The check-in rollups are checked, not trusted: after every test that used the
    database they must equal a fresh rebuild from the answers (in a transaction rolled
    back; cheap when a test stored no check-in)."""
    differences = checkins_service.rollup_differences(engine)
    if differences:
        lines = "\n".join(f"  {d.describe()}" for d in differences)
        pytest.fail(f"The check-in rollups differ from a rebuild from the answers:\n{lines}")


@pytest.fixture
def rollups_may_differ() -> None:
    """Asked for by a test that leaves the check-in rollups unlike a rebuild on purpose
    (its docstring says why): the after-test rollup check is skipped for it."""


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> FastAPI:
    # One application for the session: FastAPI builds each router's route state lazily on
    # the first request an application serves (about half a second of CPU), so a fresh app
    # per test cost more than the tests themselves. The app holds no state between requests
    # (caches are cleared by ``_isolation``); a test that needs other settings builds its own.
    return create_app(settings, engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # https, so the Secure refresh cookie round-trips as it does in a browser.
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with new_session(engine) as db:
        yield db
        db.rollback()
