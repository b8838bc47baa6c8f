"""The operator command, run as an operator would (a real process, real environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.demo import PEOPLE
from tests.factories.org import give_roles_as_old_data, make_department, make_person


def haven(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "haven.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_create_user_reads_the_password_from_stdin(engine: Engine, client: TestClient) -> None:
    make_department(engine, name="Emergency", code="ED")
    result = haven(
        "create-user",
        "--email",
        "nurse@hospital.example.org",
        "--name",
        "Nina Nurse",
        "--role",
        "staff",
        "--role",
        "peer_supporter",
        "--department",
        "ed",
        "--profession",
        "nurse",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Password" not in result.stdout
    token = client.post(
        "/api/v1/auth/token",
        data={"username": "nurse@hospital.example.org", "password": "a long enough password"},
    )
    assert token.status_code == 200
    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    ).json()
    assert me["roles"] == ["peer_supporter", "staff"]
    assert me["department_name"] == "Emergency"


def test_create_user_generates_and_prints_a_password(engine: Engine, client: TestClient) -> None:
    result = haven(
        "create-user", "--email", "admin2@hospital.example.org", "--name", "Ada", "--role", "admin"
    )
    assert result.returncode == 0, result.stderr
    password = result.stdout.split("Password (shown once): ")[1].strip()
    token = client.post(
        "/api/v1/auth/token", data={"username": "admin2@hospital.example.org", "password": password}
    )
    assert token.status_code == 200


def test_create_user_refuses_an_unknown_department(engine: Engine) -> None:
    result = haven(
        "create-user",
        "--email",
        "x@hospital.example.org",
        "--name",
        "X",
        "--role",
        "staff",
        "--department",
        "NOPE",
    )
    assert result.returncode == 2
    assert "NOPE" in result.stderr


def test_seed_demo_writes_logins_once(engine: Engine, tmp_path: Path) -> None:
    logins = tmp_path / "logins.json"
    first = haven("seed-demo", "--logins-file", str(logins))
    assert first.returncode == 0, first.stderr
    content = logins.read_text()
    assert len(json.loads(content)["logins"]) == len(PEOPLE)
    second = haven("seed-demo", "--logins-file", str(logins))
    assert second.returncode == 0
    assert "already exists" in second.stdout
    assert logins.read_text() == content
    for login in json.loads(content)["logins"]:
        assert login["password"] not in second.stdout


def test_openapi_command_prints_the_contract() -> None:
    result = haven("openapi")
    assert result.returncode == 0
    assert json.loads(result.stdout)["info"]["title"] == "Haven API"


def test_production_refuses_to_start_without_a_real_secret(tmp_path: Path) -> None:
    result = haven("openapi", env={"HAVEN_ENV": "production", "HAVEN_SECRET_KEY": "short"})
    assert result.returncode == 2
    assert "HAVEN_SECRET_KEY" in result.stderr


# --- the separation of roles ------------------------------------------------------------------


def test_create_user_refuses_a_forbidden_combination(engine: Engine) -> None:
    result = haven(
        "create-user",
        "--email",
        "both@hospital.example.org",
        "--name",
        "Both",
        "--role",
        "safety_officer",
        "--role",
        "support_coordinator",
    )
    assert result.returncode == 1
    assert "safety_officer with support_coordinator" in result.stderr
    with new_session(engine) as session:
        assert session.exec(select(AuditEvent)).all() == []


def test_create_user_applies_privileged_roles_at_once_audited_as_the_system(
    engine: Engine,
) -> None:
    # The operator holds the database's credentials: the break-glass path needs no second
    # admin, and the audit log says the system did it, with the roles given.
    result = haven(
        "create-user", "--email", "it@hospital.example.org", "--name", "IT", "--role", "admin"
    )
    assert result.returncode == 0, result.stderr
    with new_session(engine) as session:
        (event,) = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "user.created"))
    assert (event.actor_type, event.actor_id) == ("system", None)
    assert event.detail == {"roles_before": [], "roles_after": ["admin"]}


def test_check_roles_passes_when_every_account_follows_the_rules(engine: Engine) -> None:
    make_person(engine, Role.staff, Role.peer_supporter)
    make_person(engine, Role.safety_officer, Role.department_lead)
    result = haven("users", "check-roles")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "follow the separation of roles" in result.stdout


def test_check_roles_lists_accounts_older_than_the_rules(engine: Engine) -> None:
    officer = make_person(engine, Role.safety_officer, email="officer@hospital.example.org")
    give_roles_as_old_data(engine, officer.id, Role.support_coordinator)
    lead = make_person(engine, Role.department_lead, email="lead@hospital.example.org")
    give_roles_as_old_data(engine, lead.id, Role.peer_supporter)
    make_person(engine, Role.staff, Role.peer_supporter)

    human = haven("users", "check-roles")
    assert human.returncode == 1
    assert "officer@hospital.example.org" in human.stdout
    assert "safety_officer with support_coordinator" in human.stdout
    assert "lead@hospital.example.org" in human.stdout

    as_json = haven("users", "check-roles", "--json")
    assert as_json.returncode == 1
    found = json.loads(as_json.stdout)["violations"]
    assert sorted((v["user_id"], v["rule"], tuple(v["roles"])) for v in found) == sorted(
        [
            (str(officer.id), "forbidden_combination", ("safety_officer", "support_coordinator")),
            (str(lead.id), "forbidden_combination", ("department_lead", "peer_supporter")),
        ]
    )
