"""The demo organisation: seeded once, with generated passwords that work."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth import service as auth_service
from haven.auth.models import User
from haven.auth.schemas import Role
from haven.core.db import new_session
from haven.demo import DEPARTMENTS, PEOPLE, seed_demo, write_logins
from haven.org.models import Department


def test_seed_creates_departments_and_one_person_per_role(engine: Engine) -> None:
    with new_session(engine) as session:
        logins = seed_demo(session)
        session.commit()
        assert logins is not None
        assert {login.role for login in logins} == {r.value for r in Role}
        names = set(session.exec(select(Department.name)).all())
    assert {name for name, _ in DEPARTMENTS} == names


def test_seed_is_idempotent(engine: Engine) -> None:
    with new_session(engine) as session:
        first = seed_demo(session)
        session.commit()
    with new_session(engine) as session:
        second = seed_demo(session)
        session.commit()
        users = session.exec(select(User)).all()
        departments = session.exec(select(Department)).all()
    assert first is not None and second is None
    assert len(users) == len(PEOPLE)
    assert len(departments) == len(DEPARTMENTS)


def test_seeded_passwords_are_random_and_sign_in(engine: Engine, client: TestClient) -> None:
    with new_session(engine) as session:
        logins = seed_demo(session)
        session.commit()
    assert logins is not None
    assert len({login.password for login in logins}) == len(logins)
    for login in logins:
        assert len(login.password) >= 16
        response = client.post(
            "/api/v1/auth/token", data={"username": login.email, "password": login.password}
        )
        assert response.status_code == 200, login.role


def test_logins_file_is_private(tmp_path: Path, engine: Engine) -> None:
    with new_session(engine) as session:
        logins = seed_demo(session)
        session.commit()
    assert logins is not None
    path = tmp_path / "var" / "demo-logins.json"
    write_logins(path, logins)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(json.loads(path.read_text())["logins"]) == len(PEOPLE)


def test_the_demo_breaks_no_rule_of_the_separation_of_roles(engine: Engine) -> None:
    with new_session(engine) as session:
        logins = seed_demo(session)
        session.commit()
        assert auth_service.role_violations(session) == []
    assert logins is not None
    # Two administrators: a privileged grant needs one who did not propose it.
    assert [login.role for login in logins].count(Role.admin.value) == 2
