"""Deactivation ends a person's sessions at once in every server process.

Two Haven processes over one database, as production runs them: this test's app (where the
SCIM client deactivates the person) and a second server process started here. The second one
has just read the person (its principal cache keeps that for a few seconds), and refuses
the person's access token on the very next request all the same, as it refuses the refresh
token. An in-process variant changes the database behind the app's back, the way another
process would, without touching the cache.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.principals import PRINCIPAL_CACHE_SECONDS
from haven.auth.schemas import Role
from tests.factories.org import make_person
from tests.org.api import API
from tests.org.scim.conftest import SCIM, ScimClient, create_user, issue_session, patch


@pytest.fixture(scope="module")
def other_process(engine: Engine) -> Iterator[str]:
    """A second Haven server process on the test database; its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    command = [
        sys.executable, "-m", "uvicorn", "haven.main:create_app", "--factory",
        "--fd", str(listener.fileno()), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, pass_fds=(listener.fileno(),), env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{base}{API}/health", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None, "the second Haven process did not start"
            assert time.monotonic() < deadline, "the second Haven process did not answer"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        listener.close()


def _me(base: str, token: str) -> int:
    return httpx2.get(f"{base}{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _refresh(base: str, refresh_token: str) -> int:
    response = httpx2.post(f"{base}{API}/auth/refresh", json={"refresh_token": refresh_token})
    return response.status_code


@pytest.mark.parametrize("how", ["active-false", "delete"])
def test_the_other_process_refuses_the_person_at_once(
    client: TestClient, engine: Engine, scim: ScimClient, other_process: str, how: str
) -> None:
    user = create_user(client, scim, f"{how}@hospital.example.org")
    access, refresh = issue_session(engine, uuid.UUID(user["id"]))
    assert _me(other_process, access) == 200  # the other process now knows the person
    known_at = time.monotonic()
    if how == "delete":
        response = client.delete(f"{SCIM}/Users/{user['id']}", headers=scim.headers)
    else:
        response = client.patch(
            f"{SCIM}/Users/{user['id']}",
            json=patch({"op": "replace", "path": "active", "value": False}),
            headers=scim.headers,
        )
    assert response.status_code in (200, 204), response.text
    assert _me(other_process, access) == 401
    # Still inside the window the other process keeps a person cached: the cache did not
    # hide the deactivation.
    assert time.monotonic() - known_at < PRINCIPAL_CACHE_SECONDS
    assert _refresh(other_process, refresh) == 401


def test_a_deactivation_made_elsewhere_is_not_hidden_by_this_process_cache(
    client: TestClient, engine: Engine
) -> None:
    person = make_person(engine, Role.staff)
    access, _ = issue_session(engine, person.id)
    headers = {"Authorization": f"Bearer {access}"}
    assert client.get(f"{API}/me", headers=headers).status_code == 200  # cached here now
    users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("is_active", sa.Boolean()))
    with engine.begin() as conn:  # another process's change: this one's cache is untouched
        conn.execute(sa.update(users).where(users.c.id == person.id).values(is_active=False))
    assert client.get(f"{API}/me", headers=headers).status_code == 401
