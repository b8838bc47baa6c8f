"""PostgreSQL connections that die: replaced before use when they sat idle, a 503 with
Retry-After (and a renewed pool) when they die under a busy pool. SQLite has no server."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import db
from haven.core.db import create_db_engine
from haven.core.settings import Settings
from tests.conftest import database_url, is_postgres
from tests.core.test_http import assert_problem
from tests.factories.org import make_person

pytestmark = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL only: a server to lose")


def _kill_backends(only: int | None = None) -> None:
    """Terminate one backend (``only``), or every other one of this database."""
    which = "pid = :only" if only is not None else "pid <> pg_backend_pid()"
    killer = sa.create_engine(database_url(), poolclass=sa.pool.NullPool)
    with killer.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = current_database() AND {which}"
            ),
            {"only": only},
        )
        deadline = time.monotonic() + 5
        while (
            time.monotonic() < deadline
            and conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    f"WHERE datname = current_database() AND {which}"
                ),
                {"only": only},
            ).scalar_one()
        ):
            time.sleep(0.05)
    killer.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_db_engine(settings)
    try:
        first = _backend_pid(engine)
        _kill_backends(only=first)
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle long enough
        assert _backend_pid(engine) != first  # pinged, found dead, replaced: no error
    finally:
        engine.dispose()


def test_a_recently_used_connection_is_not_pinged(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_db_engine(settings)
    pings: list[object] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    try:
        for _ in range(3):
            _backend_pid(engine)
        assert pings == []  # one round trip per request saved
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        _backend_pid(engine)
        assert len(pings) == 1  # idle long enough: pinged
    finally:
        engine.dispose()


def test_a_connection_lost_under_a_request_is_a_503_and_the_next_request_works(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = make_person(engine, Role.staff)
    assert client.get("/api/v1/departments", headers=staff.headers).status_code == 200
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)  # no ping: the request finds out
    _kill_backends()  # the application's pooled connections among them
    lost = client.get("/api/v1/departments", headers=staff.headers)
    assert_problem(lost, 503)
    assert lost.headers["retry-after"] == "1"
    assert client.get("/api/v1/departments", headers=staff.headers).status_code == 200
