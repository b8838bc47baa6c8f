"""API keys for service accounts: shown once, stored hashed, honoured only for their scopes,
revocable."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from haven.auth.deps import Allow
from haven.auth.schemas import Role, Scope
from haven.core import clock
from haven.core.http import API_PREFIX, HavenRoute
from haven.core.settings import Settings
from haven.main import create_app
from tests.core.test_http import assert_problem
from tests.factories.org import Person, access_token_for, make_api_key, make_person

KEYS = "/api/v1/api-keys"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


@pytest.fixture
def second_admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


def create_key(
    client: TestClient,
    admin: Person,
    scopes: list[str],
    name: str = "staffing feed",
    *,
    confirmed_by: Person | None = None,
) -> Any:
    """Create a key as ``admin``; a key that reads content works only once ``confirmed_by``
    (another administrator) has confirmed it, as the product asks."""
    response = client.post(KEYS, json={"name": name, "scopes": scopes}, headers=admin.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    if confirmed_by is not None and created["status"] == "pending":
        confirmed = client.post(
            f"{KEYS}/{created['id']}/confirm",
            headers={**confirmed_by.headers, "If-Match": f'"{created["version"]}"'},
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "active"
    return created


# No product route accepts a scope yet (`grep -rn "scopes=" backend/haven` finds none), so these
# probe routes, declared exactly as a domain router would, show what a key may reach.
@pytest.fixture(scope="module")
def app(settings: Settings, engine: Engine) -> FastAPI:
    """This module's own application: the probe routes must not reach the shared one."""
    return create_app(settings, engine)


@pytest.fixture(scope="module")
def probe_app(app: FastAPI) -> FastAPI:
    router = APIRouter(prefix=f"{API_PREFIX}/test-probe", route_class=HavenRoute)

    @router.get(
        "/reports-read", dependencies=[Allow(Role.safety_officer, scopes=[Scope.reports_read])]
    )
    def reports_read() -> dict[str, str]:
        return {"ok": "reports"}

    @router.get("/staffing-write", dependencies=[Allow(Role.admin, scopes=[Scope.staffing_write])])
    def staffing_write() -> dict[str, str]:
        return {"ok": "staffing"}

    app.include_router(router)
    return app


# --- creation -----------------------------------------------------------------------------------


def test_admin_creates_a_key_and_sees_the_secret_once(client: TestClient, admin: Person) -> None:
    created = create_key(client, admin, ["reports:write", "reports:read"])
    secret = created["secret"]
    assert secret.startswith(f"{created['prefix']}_")
    assert created["scopes"] == ["reports:read", "reports:write"]
    assert created["revoked_at"] is None and created["last_used_at"] is None
    listed = client.get(KEYS, headers=admin.headers)
    assert listed.status_code == 200
    (item,) = [k for k in listed.json()["items"] if k["id"] == created["id"]]
    assert "secret" not in item
    assert item["prefix"] == created["prefix"]
    assert secret not in listed.text
    assert secret.split("_")[-1] not in listed.text


def test_each_key_has_its_own_prefix_and_secret(client: TestClient, admin: Person) -> None:
    first = create_key(client, admin, ["reports:read"])
    second = create_key(client, admin, ["reports:read"])
    assert first["prefix"] != second["prefix"]
    assert first["secret"] != second["secret"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "x", "scopes": []}, id="no-scopes"),
        pytest.param({"name": "x", "scopes": ["admin"]}, id="unknown-scope"),
        pytest.param({"name": "", "scopes": ["reports:read"]}, id="empty-name"),
        pytest.param({"name": "x", "scopes": ["reports:read"], "secret": "mine"}, id="own-secret"),
    ],
)
def test_invalid_key_requests_are_refused(client: TestClient, admin: Person, body: dict) -> None:
    assert_problem(client.post(KEYS, json=body, headers=admin.headers), 422)


def test_stored_key_holds_no_clear_secret(
    client: TestClient, admin: Person, session: Session
) -> None:
    created = create_key(client, admin, ["staffing:write"])
    secret = created["secret"]
    random_part = secret.split("_")[-1]
    row = (
        session.execute(
            sa.text("SELECT * FROM api_keys WHERE prefix = :p"), {"p": created["prefix"]}
        )
        .mappings()
        .one()
    )
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for column, value in row.items():
        assert random_part not in str(value), column


# --- what a key may reach -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/organisation",
        "/api/v1/departments",
        "/api/v1/api-keys",
        "/api/v1/audit",
    ],
)
def test_key_is_refused_on_person_only_routes(
    client: TestClient, engine: Engine, path: str
) -> None:
    secret = make_api_key(engine, list(Scope))
    body = assert_problem(client.get(path, headers=bearer(secret)), 403)
    assert body["type"] == "urn:haven:problem:forbidden"


def test_key_cannot_create_users(client: TestClient, engine: Engine) -> None:
    secret = make_api_key(engine, list(Scope))
    response = client.post(
        "/api/v1/users",
        json={
            "email": "svc@hospital.example.org",
            "display_name": "Svc",
            "roles": ["admin"],
            "profession": "other",
        },
        headers=bearer(secret),
    )
    assert_problem(response, 403)


def test_key_reaches_a_route_that_accepts_its_scope(
    probe_app: FastAPI, client: TestClient, engine: Engine
) -> None:
    secret = make_api_key(engine, [Scope.reports_read])
    response = client.get("/api/v1/test-probe/reports-read", headers=bearer(secret))
    assert response.status_code == 200, response.text


def test_key_is_refused_on_a_route_that_wants_another_scope(
    probe_app: FastAPI, client: TestClient, engine: Engine
) -> None:
    secret = make_api_key(engine, [Scope.reports_read])
    assert_problem(client.get("/api/v1/test-probe/staffing-write", headers=bearer(secret)), 403)


def test_last_used_at_is_set_on_use(
    probe_app: FastAPI, client: TestClient, admin: Person, second_admin: Person
) -> None:
    created = create_key(client, admin, ["reports:read"], confirmed_by=second_admin)
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert (
        client.get("/api/v1/test-probe/reports-read", headers=bearer(created["secret"])).status_code
        == 200
    )
    (item,) = [
        k
        for k in client.get(KEYS, headers=admin.headers).json()["items"]
        if k["id"] == created["id"]
    ]
    assert item["last_used_at"] is not None
    assert datetime.fromisoformat(item["last_used_at"]) >= before


def test_last_used_at_moves_on_with_later_use(
    probe_app: FastAPI, client: TestClient, admin: Person, second_admin: Person
) -> None:
    created = create_key(client, admin, ["reports:read"], confirmed_by=second_admin)
    probe = "/api/v1/test-probe/reports-read"
    assert client.get(probe, headers=bearer(created["secret"])).status_code == 200
    later = datetime.now(UTC) + timedelta(hours=2)
    clock.set_clock(lambda: later)
    assert client.get(probe, headers=bearer(created["secret"])).status_code == 200
    fresh = bearer(access_token_for(admin.id))  # the admin's first token has expired by now
    (item,) = [
        k for k in client.get(KEYS, headers=fresh).json()["items"] if k["id"] == created["id"]
    ]
    assert datetime.fromisoformat(item["last_used_at"]) >= later - timedelta(minutes=1)


# --- refused keys -------------------------------------------------------------------------


def test_wrong_secret_with_a_valid_prefix_is_refused(
    probe_app: FastAPI, client: TestClient, admin: Person
) -> None:
    created = create_key(client, admin, ["reports:read"])
    forged = f"{created['prefix']}_{'A' * 43}"
    body = assert_problem(
        client.get("/api/v1/test-probe/reports-read", headers=bearer(forged)), 401
    )
    assert body["type"] == "urn:haven:problem:unauthorized"


@pytest.mark.parametrize(
    "token",
    ["hvn_", "hvn_x", "hvn_unknown1_secret", "hvn_a_b_c", "hvn___", "hvn_" + "x" * 300],
)
def test_malformed_or_unknown_keys_are_refused(
    client: TestClient, engine: Engine, token: str
) -> None:
    make_api_key(engine, [Scope.reports_read])
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_revoking_a_key_stops_it_working(
    probe_app: FastAPI, client: TestClient, admin: Person, second_admin: Person
) -> None:
    created = create_key(client, admin, ["reports:read"], confirmed_by=second_admin)
    probe = "/api/v1/test-probe/reports-read"
    assert client.get(probe, headers=bearer(created["secret"])).status_code == 200
    revoked = client.delete(f"{KEYS}/{created['id']}", headers=admin.headers)
    assert revoked.status_code == 204
    assert revoked.content == b""
    assert_problem(client.get(probe, headers=bearer(created["secret"])), 401)
    (item,) = [
        k
        for k in client.get(KEYS, headers=admin.headers).json()["items"]
        if k["id"] == created["id"]
    ]
    assert item["revoked_at"] is not None


def test_revoked_key_is_refused_on_person_routes_with_401(
    client: TestClient, admin: Person
) -> None:
    created = create_key(client, admin, ["reports:read"])
    assert client.delete(f"{KEYS}/{created['id']}", headers=admin.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=bearer(created["secret"])), 401)


def test_revoking_twice_is_harmless(client: TestClient, admin: Person) -> None:
    created = create_key(client, admin, ["reports:read"])
    assert client.delete(f"{KEYS}/{created['id']}", headers=admin.headers).status_code == 204
    assert client.delete(f"{KEYS}/{created['id']}", headers=admin.headers).status_code == 204


def test_revoking_an_unknown_key_is_404(client: TestClient, admin: Person) -> None:
    assert_problem(client.delete(f"{KEYS}/{uuid.uuid4()}", headers=admin.headers), 404)


def test_revoking_one_key_leaves_the_others_working(
    probe_app: FastAPI, client: TestClient, admin: Person, second_admin: Person
) -> None:
    kept = create_key(client, admin, ["reports:read"], confirmed_by=second_admin)
    dropped = create_key(client, admin, ["reports:read"], confirmed_by=second_admin)
    assert client.delete(f"{KEYS}/{dropped['id']}", headers=admin.headers).status_code == 204
    probe = "/api/v1/test-probe/reports-read"
    assert client.get(probe, headers=bearer(kept["secret"])).status_code == 200
