"""API keys that read content need a second administrator (DESIGN.md: an admin manages API
keys, "no confidential content"; privileged grants need a second admin).

The attack: an administrator alone makes a ``reports:read`` (or ``fhir:read``) key and reads
every report through it. A key with such a scope is created ``pending``: its secret, shown
once to its creator, is refused everywhere until another administrator confirms it."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.core.migrate import downgrade, upgrade
from haven.core.models import AuditEvent
from haven.core.security import sha256_hex
from haven.jobs import run_due_jobs
from tests.conftest import database_url
from tests.core.test_http import assert_problem
from tests.factories.org import Person, access_token_for, make_department, make_person
from tests.factories.reports import submit_named
from tests.test_access_rules import PUBLIC_ROUTES, api_routes

KEYS = "/api/v1/api-keys"
REPORTS = "/api/v1/reports"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


@pytest.fixture
def second_admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


def create(client: TestClient, admin: Person, scopes: list[str], name: str = "feed") -> Any:
    response = client.post(KEYS, json={"name": name, "scopes": scopes}, headers=admin.headers)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == f'"{response.json()["version"]}"'
    return response.json()


def act(client: TestClient, actor: Person, key: dict[str, Any], action: str) -> Any:
    return client.post(
        f"{KEYS}/{key['id']}/{action}",
        headers={**actor.headers, "If-Match": f'"{key["version"]}"'},
    )


def fresh(person: Person) -> Person:
    """A new access token, after the clock moved past the old one's lifetime."""
    return Person(
        person.id,
        person.email,
        person.password,
        person.roles,
        person.department_id,
        access_token_for(person.id),
    )


def key_events(engine: Engine, key_id: str) -> list[AuditEvent]:
    with new_session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.object_id) == uuid.UUID(key_id))
                .order_by(col(AuditEvent.seq))
            ).all()
        )


def a_named_report(client: TestClient, engine: Engine) -> dict[str, Any]:
    reporter = make_person(engine, Role.staff)
    return submit_named(client, reporter, make_department(engine))


# --- an admin alone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scopes",
    [
        ["reports:read"],
        ["fhir:read"],
        ["reports:read", "reports:write"],
        ["fhir:read", "staffing:write"],
    ],
)
def test_a_key_that_reads_content_is_created_pending(
    client: TestClient, admin: Person, scopes: list[str]
) -> None:
    key = create(client, admin, scopes)
    assert key["status"] == "pending"
    assert key["created_by_id"] == str(admin.id)
    assert key["expires_at"] is not None and key["decided_by_id"] is None
    assert key["secret"].startswith(f"{key['prefix']}_")


def test_an_admin_alone_cannot_read_reports_with_a_key_of_their_own(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    report = a_named_report(client, engine)
    key = create(client, admin, ["reports:read"])
    body = assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)
    assert "second administrator" in body["detail"]
    got = client.get(f"{REPORTS}/{report['id']}", headers=bearer(key["secret"]))
    assert_problem(got, 401)
    assert report["description"] not in got.text


def test_a_pending_key_is_refused_on_every_route(
    app: FastAPI, client: TestClient, engine: Engine, admin: Person
) -> None:
    a_named_report(client, engine)
    key = create(client, admin, ["reports:read", "fhir:read", "reports:write", "staffing:write"])
    walked = 0
    for method, path, _route in api_routes(app):
        if (method, path) in PUBLIC_ROUTES:
            continue
        url = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), path)
        body = {} if method in ("POST", "PATCH", "PUT") else None
        response = client.request(method, url, json=body, headers=bearer(key["secret"]))
        assert response.status_code in (401, 403), (method, path, response.status_code)
        walked += 1
    assert walked > 50
    # It was never used: nothing counted it as a working key.
    listed = client.get(f"{KEYS}/{key['id']}", headers=admin.headers).json()
    assert listed["last_used_at"] is None and listed["status"] == "pending"


def test_the_creator_cannot_confirm_their_own_key(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    key = create(client, admin, ["reports:read"])
    assert_problem(act(client, admin, key, "confirm"), 403)
    assert_problem(act(client, admin, key, "reject"), 403)  # they cancel instead
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)
    assert [e.action for e in key_events(engine, key["id"])] == ["api_key.created"]


def test_an_admin_cannot_confirm_through_an_admin_account_they_made(
    client: TestClient, admin: Person
) -> None:
    # A second admin account made by the same admin is itself only a pending grant.
    made = client.post(
        "/api/v1/users",
        json={
            "email": "sock.puppet@hospital.example.org",
            "display_name": "Sock Puppet",
            "roles": ["admin"],
            "profession": "other",
            "password": "a long enough password",
        },
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()["roles"] == [] and made.json()["pending_grant"]["roles"] == ["admin"]
    puppet = Person(
        uuid.UUID(made.json()["id"]),
        "sock.puppet@hospital.example.org",
        "a long enough password",
        (),
        None,
        access_token_for(uuid.UUID(made.json()["id"])),
    )
    key = create(client, admin, ["reports:read"])
    assert_problem(act(client, puppet, key, "confirm"), 403)
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)


# --- a second administrator ---------------------------------------------------------------


def test_another_admin_confirms_and_the_key_works_with_exactly_its_scopes(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person
) -> None:
    report = a_named_report(client, engine)
    key = create(client, admin, ["reports:read"])
    confirmed = act(client, second_admin, key, "confirm")
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["status"], body["decided_by_id"]) == ("active", str(second_admin.id))
    assert body["expires_at"] == key["expires_at"] and body["decided_at"] is not None
    assert "secret" not in body and key["secret"] not in confirmed.text
    assert confirmed.headers["etag"] == f'"{body["version"]}"'
    # The same secret, shown once to the creator, now works for what its scope allows...
    listed = client.get(REPORTS, headers=bearer(key["secret"]))
    assert listed.status_code == 200, listed.text
    assert report["id"] in listed.text
    # ...and nothing else: no writing reports, no staffing, no person-only routes.
    write = client.post(REPORTS, json={}, headers=bearer(key["secret"]))
    assert_problem(write, 403)
    assert_problem(client.get("/api/v1/api-keys", headers=bearer(key["secret"])), 403)
    assert_problem(
        client.post("/api/v1/staffing/shifts", json={}, headers=bearer(key["secret"])), 403
    )


def test_confirming_needs_the_current_version(
    client: TestClient, admin: Person, second_admin: Person
) -> None:
    key = create(client, admin, ["fhir:read"])
    assert_problem(client.post(f"{KEYS}/{key['id']}/confirm", headers=second_admin.headers), 428)
    assert_problem(
        client.post(
            f"{KEYS}/{key['id']}/confirm", headers={**second_admin.headers, "If-Match": '"7"'}
        ),
        412,
    )
    assert act(client, second_admin, key, "confirm").status_code == 200
    body = assert_problem(act(client, second_admin, {**key, "version": 2}, "confirm"), 409)
    assert "active" in body["detail"]


def test_a_confirmed_key_is_no_longer_listed_as_pending(
    client: TestClient, admin: Person, second_admin: Person
) -> None:
    waiting = create(client, admin, ["reports:read"], name="waiting")
    done = create(client, admin, ["reports:read"], name="done")
    create(client, admin, ["staffing:write"], name="write only")
    assert act(client, second_admin, done, "confirm").status_code == 200
    pending = client.get(KEYS, params={"status": "pending"}, headers=second_admin.headers)
    assert [k["id"] for k in pending.json()["items"]] == [waiting["id"]]
    everything = client.get(KEYS, headers=second_admin.headers).json()["items"]
    assert {k["name"]: k["status"] for k in everything} == {
        "waiting": "pending",
        "done": "active",
        "write only": "active",
    }
    assert all(k["created_by_name"] for k in everything)


def test_confirming_refuses_a_key_whose_creator_is_no_longer_an_admin(
    client: TestClient, admin: Person, second_admin: Person
) -> None:
    key = create(client, admin, ["reports:read"])
    current = client.get(f"/api/v1/users/{admin.id}", headers=second_admin.headers)
    demoted = client.patch(
        f"/api/v1/users/{admin.id}",
        json={"roles": ["staff"]},
        headers={**second_admin.headers, "If-Match": current.headers["etag"]},
    )
    assert demoted.status_code == 200, demoted.text
    body = assert_problem(act(client, second_admin, key, "confirm"), 409)
    assert "no longer holds the role" in body["detail"]
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)


# --- reject, cancel, expiry, revoke -------------------------------------------------------------


def test_another_admin_rejects_and_the_key_never_works(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person
) -> None:
    key = create(client, admin, ["reports:read"])
    rejected = act(client, second_admin, key, "reject")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["decided_by_id"]) == (
        "rejected",
        str(second_admin.id),
    )
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)
    assert_problem(act(client, second_admin, rejected.json(), "confirm"), 409)
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)


def test_only_the_creator_cancels(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person
) -> None:
    key = create(client, admin, ["reports:read"])
    assert_problem(act(client, second_admin, key, "cancel"), 403)
    cancelled = act(client, admin, key, "cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert_problem(act(client, second_admin, cancelled.json(), "confirm"), 409)
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)


def test_an_unconfirmed_key_expires(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person
) -> None:
    key = create(client, admin, ["reports:read"])
    later = clock.now() + timedelta(days=8)  # HAVEN_AUTH_ROLE_GRANT_DAYS is 7
    clock.set_clock(lambda: later)
    admin, second_admin = fresh(admin), fresh(second_admin)
    assert (
        client.get(KEYS, params={"status": "pending"}, headers=admin.headers).json()["items"] == []
    )
    assert client.get(f"{KEYS}/{key['id']}", headers=admin.headers).json()["status"] == "expired"
    body = assert_problem(act(client, second_admin, key, "confirm"), 409)
    assert body["type"] == "urn:haven:problem:api-key-expired"
    # The refusal recorded the expiry, as the system.
    expired = key_events(engine, key["id"])[-1]
    assert (expired.action, expired.actor_type) == ("api_key.expired", "system")
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)


def test_the_periodic_job_expires_pending_keys(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    key = create(client, admin, ["fhir:read"])
    create(client, admin, ["reports:write"])  # active at once: nothing to expire
    assert run_due_jobs(engine)["api_keys_expired"] == 0
    later = clock.now() + timedelta(days=8)
    clock.set_clock(lambda: later)
    assert run_due_jobs(engine)["api_keys_expired"] == 1
    assert run_due_jobs(engine)["api_keys_expired"] == 0
    fetched = client.get(f"{KEYS}/{key['id']}", headers=fresh(admin).headers).json()
    assert fetched["status"] == "expired" and fetched["decided_by_id"] is None
    assert key_events(engine, key["id"])[-1].action == "api_key.expired"


def test_revoking_a_pending_key_closes_it_for_good(
    client: TestClient, admin: Person, second_admin: Person
) -> None:
    key = create(client, admin, ["reports:read"])
    assert client.delete(f"{KEYS}/{key['id']}", headers=second_admin.headers).status_code == 204
    current = client.get(f"{KEYS}/{key['id']}", headers=second_admin.headers).json()
    assert current["revoked_at"] is not None
    assert (
        client.get(KEYS, params={"status": "pending"}, headers=admin.headers).json()["items"] == []
    )
    body = assert_problem(act(client, second_admin, current, "confirm"), 409)
    assert "revoked" in body["detail"]
    assert_problem(client.get(REPORTS, headers=bearer(key["secret"])), 401)


# --- keys that only write ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "scopes", [["reports:write"], ["staffing:write"], ["reports:write", "staffing:write"]]
)
def test_a_write_only_key_works_at_once(
    client: TestClient, engine: Engine, admin: Person, scopes: list[str]
) -> None:
    key = create(client, admin, scopes)
    assert (key["status"], key["expires_at"]) == ("active", None)
    response = client.post(REPORTS, json={}, headers=bearer(key["secret"]))
    # Authenticated: refused for its scope (403) or its body (422), never as a key (401).
    assert response.status_code in (403, 422), response.text
    assert response.status_code == (422 if "reports:write" in scopes else 403)
    assert [e.action for e in key_events(engine, key["id"])] == ["api_key.created"]
    assert_problem(act(client, make_person(engine, Role.admin), key, "confirm"), 409)


# --- the audit trail --------------------------------------------------------------------------


def test_every_step_is_audited_with_scopes_and_never_the_secret(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person
) -> None:
    confirmed = create(client, admin, ["reports:read", "reports:write"])
    act(client, second_admin, confirmed, "confirm")
    rejected = create(client, admin, ["fhir:read"])
    act(client, second_admin, rejected, "reject")
    cancelled = create(client, admin, ["reports:read"])
    act(client, admin, cancelled, "cancel")
    write_only = create(client, admin, ["staffing:write"])
    client.delete(f"{KEYS}/{confirmed['id']}", headers=admin.headers)

    def trail(key: dict[str, Any]) -> list[tuple[str, str | None, dict[str, Any] | None]]:
        return [
            (e.action, e.actor_id and str(e.actor_id), e.detail)
            for e in key_events(engine, key["id"])
        ]

    both = ["reports:read", "reports:write"]
    assert trail(confirmed) == [
        ("api_key.created", str(admin.id), {"scopes": both, "status": "pending"}),
        ("api_key.confirmed", str(second_admin.id), {"scopes": both, "status": "active"}),
        ("api_key.revoked", str(admin.id), {"scopes": both, "status": "active"}),
    ]
    assert trail(rejected) == [
        ("api_key.created", str(admin.id), {"scopes": ["fhir:read"], "status": "pending"}),
        ("api_key.rejected", str(second_admin.id), {"scopes": ["fhir:read"], "status": "rejected"}),
    ]
    assert [a for a, _, _ in trail(cancelled)] == ["api_key.created", "api_key.cancelled"]
    assert trail(write_only) == [
        ("api_key.created", str(admin.id), {"scopes": ["staffing:write"], "status": "active"})
    ]
    with engine.connect() as conn:
        everything = " ".join(
            str(value)
            for row in conn.execute(sa.text("SELECT * FROM audit_events"))
            for value in row
        )
    for key in (confirmed, rejected, cancelled, write_only):
        random_part = key["secret"].split("_")[-1]
        assert random_part not in everything
        assert sha256_hex(key["secret"]) not in everything


# --- keys made before the rule ------------------------------------------------------------------


def test_upgrading_puts_older_content_keys_on_hold_and_downgrading_revokes_them(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person
) -> None:
    url = database_url()
    downgrade(url, "0013")
    read_secret = "hvn_oldread1_" + "r" * 43
    write_secret = "hvn_oldwrit1_" + "w" * 43
    with engine.begin() as conn:
        for prefix, secret, scopes in (
            ("hvn_oldread1", read_secret, ["reports:read"]),
            ("hvn_oldwrit1", write_secret, ["reports:write"]),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, created_by_id, "
                    "created_at) VALUES (:id, :name, :prefix, :hash, :scopes, :by, :at)"
                ),
                {
                    "id": uuid.uuid4().hex if engine.dialect.name == "sqlite" else uuid.uuid4(),
                    "name": prefix,
                    "prefix": prefix,
                    "hash": sha256_hex(secret),
                    "scopes": f'["{scopes[0]}"]',
                    "by": admin.id.hex if engine.dialect.name == "sqlite" else admin.id,
                    "at": clock.now().replace(tzinfo=None),
                },
            )
    upgrade(url)
    engine.dispose()  # connections prepared against the older table
    by_name = {k["name"]: k for k in client.get(KEYS, headers=admin.headers).json()["items"]}
    assert by_name["hvn_oldread1"]["status"] == "pending"
    assert by_name["hvn_oldwrit1"]["status"] == "active"
    assert_problem(client.get(REPORTS, headers=bearer(read_secret)), 401)
    assert client.post(REPORTS, json={}, headers=bearer(write_secret)).status_code == 422
    # A second administrator confirms it: the integration works again with the same secret.
    confirmed = act(client, second_admin, by_name["hvn_oldread1"], "confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert client.get(REPORTS, headers=bearer(read_secret)).status_code == 200
    # Going back to a schema without states revokes whatever is not active.
    pending = create(client, admin, ["fhir:read"])
    downgrade(url, "0013")
    with engine.connect() as conn:
        revoked = dict(conn.execute(sa.text("SELECT prefix, revoked_at FROM api_keys")).all())
    assert revoked[pending["prefix"]] is not None
    assert revoked["hvn_oldread1"] is None and revoked["hvn_oldwrit1"] is None
    upgrade(url)
    engine.dispose()
