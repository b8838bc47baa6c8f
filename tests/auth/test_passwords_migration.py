"""Migration 0017 (passwords and TOTP) goes down and up without touching anyone's account:
on SQLite a batch copy of ``users`` would cascade-delete every role and session."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core.migrate import downgrade, upgrade
from tests.conftest import database_url
from tests.factories.org import make_person


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_going_down_and_up_keeps_every_account_role_and_session(
    client: TestClient, engine: Engine
) -> None:
    person = make_person(engine, Role.admin, Role.auditor)
    signed_in = client.post(
        "/api/v1/auth/token", data={"username": person.email, "password": person.password}
    )
    assert signed_in.status_code == 200
    before = {t: _count(engine, t) for t in ("users", "user_roles", "refresh_tokens")}
    downgrade(database_url(), "0016")
    engine.dispose()
    assert {t: _count(engine, t) for t in before} == before
    upgrade(database_url())
    engine.dispose()
    assert {t: _count(engine, t) for t in before} == before
    assert client.get("/api/v1/users", headers=person.headers).status_code == 200
