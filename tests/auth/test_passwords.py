"""Passwords: a person's own change (every other session ends), the policy, and the reset
link an administrator has emailed through the real SMTP path (single use, 30 minutes, the
token stored only as a hash and not left in the outbox)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.passwords import PasswordRefused, check_new_password
from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.core.security import sha256_hex
from haven.core.settings import Settings
from haven.notifications import service as notifications
from haven.notifications.models import EmailOutbox
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person
from tests.notifications.test_notifications import _Inbox, smtp  # noqa: F401
from tests.reports.snapshot import dump, text_of

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
CHANGE = "/api/v1/auth/password"
RESET = "/api/v1/auth/password-reset"
NEW_PASSWORD = "a quiet night shift on ward nine"


def sign_in(client: TestClient, email: str, password: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def person(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


# --- the policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "short pass",  # under 12 characters
        "password1234",  # on the list of common passwords
        "Password1234",  # ... whatever its case
        "nurse.jones.ward9@hospital.example.org",  # the email
        "Nurse.Jones.Ward9",  # the part before the @
        "aaaaaaaaaaaaaaaa",  # one character repeated
        "x" * 129,  # over 128
    ],
)
def test_the_policy_refuses(password: str) -> None:
    with pytest.raises(PasswordRefused):
        check_new_password(password, email="nurse.jones.ward9@hospital.example.org")


@pytest.mark.parametrize(
    "password", ["a quiet night shift on ward nine", "Tr0ub4dor&3xx", "ñandú café 12 ß"]
)
def test_the_policy_asks_for_length_not_composition(password: str) -> None:
    check_new_password(password, email="nurse.jones.ward9@hospital.example.org")


# --- changing one's password ---------------------------------------------------------------


def test_changing_the_password_ends_every_other_session_at_once(
    client: TestClient, person: Person
) -> None:
    other = sign_in(client, person.email, person.password).json()
    client.cookies.clear()
    this = sign_in(client, person.email, person.password).json()
    client.cookies.clear()
    changed = client.post(
        CHANGE,
        json={"current_password": person.password, "new_password": NEW_PASSWORD},
        headers=bearer(this["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    # The device that changed it holds a new session; every earlier one is over, access
    # tokens included (they would otherwise live 15 more minutes).
    assert client.get("/api/v1/me", headers=bearer(fresh["access_token"])).status_code == 200
    for old in (other, this):
        assert_problem(client.get("/api/v1/me", headers=bearer(old["access_token"])), 401)
        client.cookies.clear()
        assert_problem(client.post(REFRESH, json={"refresh_token": old["refresh_token"]}), 401)
    client.cookies.clear()
    assert client.post(REFRESH, json={"refresh_token": fresh["refresh_token"]}).status_code == 200
    assert_problem(sign_in(client, person.email, person.password), 401)
    assert sign_in(client, person.email, NEW_PASSWORD).status_code == 200


def test_a_wrong_current_password_changes_nothing(client: TestClient, person: Person) -> None:
    answer = client.post(
        CHANGE,
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=person.headers,
    )
    body = assert_problem(answer, 401)
    assert body["errors"][0]["field"] == "current_password"
    assert client.get("/api/v1/me", headers=person.headers).status_code == 200
    assert sign_in(client, person.email, person.password).status_code == 200


def test_a_weak_new_password_is_refused_on_its_field(client: TestClient, person: Person) -> None:
    answer = client.post(
        CHANGE,
        json={"current_password": person.password, "new_password": "password1234"},
        headers=person.headers,
    )
    body = assert_problem(answer, 422)
    assert body["type"] == "urn:haven:problem:password-refused"
    assert [e["field"] for e in body["errors"]] == ["new_password"]
    assert client.get("/api/v1/me", headers=person.headers).status_code == 200


def test_guessing_the_current_password_with_a_stolen_token_is_slowed(
    client: TestClient, person: Person, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings.auth, "free_failures", 5)
    for _ in range(5):
        wrong = {"current_password": "a guess at it", "new_password": NEW_PASSWORD}
        assert_problem(client.post(CHANGE, json=wrong, headers=person.headers), 401)
    right = {"current_password": person.password, "new_password": NEW_PASSWORD}
    answer = client.post(CHANGE, json=right, headers=person.headers)
    assert_problem(answer, 429)
    # ... and the same count slows the sign-in form from that client.
    assert_problem(sign_in(client, person.email, person.password), 429)


def test_a_password_change_is_audited_without_the_password(
    client: TestClient, engine: Engine, person: Person
) -> None:
    answer = client.post(
        CHANGE,
        json={"current_password": person.password, "new_password": NEW_PASSWORD},
        headers=person.headers,
    )
    assert answer.status_code == 200
    text = text_of(dump(engine))
    assert "user.password_changed" in text
    assert NEW_PASSWORD not in text


# --- reset links ---------------------------------------------------------------------------


def _send_link(client: TestClient, admin: Person, person: Person) -> Any:
    return client.post(f"/api/v1/users/{person.id}/password-reset", headers=admin.headers)


def _delivered(engine: Engine, inbox: _Inbox) -> Message:
    assert notifications.deliver_pending_emails(engine) == 1
    deadline = time.time() + 5
    while not inbox.messages and time.time() < deadline:
        time.sleep(0.05)
    message = inbox.messages.pop()
    assert isinstance(message, Message)
    return message


def _token_in(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"/reset-password#token=([A-Za-z0-9_-]+)", body.decode())
    assert found, body
    return found.group(1)


def test_a_reset_link_is_emailed_used_once_and_ends_every_session(
    client: TestClient,
    engine: Engine,
    admin: Person,
    person: Person,
    smtp: _Inbox,  # noqa: F811
) -> None:
    before = sign_in(client, person.email, person.password).json()
    client.cookies.clear()
    sent = _send_link(client, admin, person)
    assert sent.status_code == 202, sent.text
    expires_at = datetime.fromisoformat(sent.json()["expires_at"])
    assert timedelta(minutes=29) < expires_at - datetime.now(UTC) <= timedelta(minutes=30)
    message = _delivered(engine, smtp)
    assert message["To"] == person.email
    token = _token_in(message)
    # Stored only as a hash, and not left in the outbox once sent.
    stored = text_of(dump(engine))
    assert token not in stored and sha256_hex(token) in stored
    with new_session(engine) as session:
        (row,) = session.exec(select(EmailOutbox)).all()
        assert row.sent_at is not None and row.body == ""
    # The link's holder sets a new password (the administrator never sees it).
    used = client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
    assert used.status_code == 204, used.text
    assert_problem(client.get("/api/v1/me", headers=bearer(before["access_token"])), 401)
    assert_problem(client.post(REFRESH, json={"refresh_token": before["refresh_token"]}), 401)
    assert sign_in(client, person.email, NEW_PASSWORD).status_code == 200
    # Once only.
    again = client.post(RESET, json={"token": token, "new_password": "another long passphrase"})
    assert assert_problem(again, 422)["type"] == "urn:haven:problem:reset-link-invalid"


def test_a_reset_link_expires_after_30_minutes(
    client: TestClient,
    engine: Engine,
    admin: Person,
    person: Person,
    smtp: _Inbox,  # noqa: F811
) -> None:
    assert _send_link(client, admin, person).status_code == 202
    token = _token_in(_delivered(engine, smtp))
    sent_at = datetime.now(UTC)
    clock.set_clock(lambda: sent_at + timedelta(minutes=30, seconds=1))
    assert_problem(client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD}), 422)
    assert sign_in(client, person.email, person.password).status_code == 200


def test_a_new_link_voids_the_earlier_one(
    client: TestClient,
    engine: Engine,
    admin: Person,
    person: Person,
    smtp: _Inbox,  # noqa: F811
) -> None:
    assert _send_link(client, admin, person).status_code == 202
    first = _token_in(_delivered(engine, smtp))
    assert _send_link(client, admin, person).status_code == 202
    second = _token_in(_delivered(engine, smtp))
    assert_problem(client.post(RESET, json={"token": first, "new_password": NEW_PASSWORD}), 422)
    assert (
        client.post(RESET, json={"token": second, "new_password": NEW_PASSWORD}).status_code == 204
    )


def test_a_guessed_or_weak_reset_is_refused(
    client: TestClient,
    engine: Engine,
    admin: Person,
    person: Person,
    smtp: _Inbox,  # noqa: F811
) -> None:
    guessed = client.post(RESET, json={"token": "A" * 43, "new_password": NEW_PASSWORD})
    assert assert_problem(guessed, 422)["type"] == "urn:haven:problem:reset-link-invalid"
    assert _send_link(client, admin, person).status_code == 202
    token = _token_in(_delivered(engine, smtp))
    weak = client.post(RESET, json={"token": token, "new_password": "password1234"})
    assert assert_problem(weak, 422)["type"] == "urn:haven:problem:password-refused"
    # A refused password does not use the link up.
    assert (
        client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
    )


def test_only_an_administrator_sends_a_link_and_never_without_email(
    client: TestClient, engine: Engine, admin: Person, person: Person
) -> None:
    assert_problem(_send_link(client, person, admin), 403)
    # Email is not configured here: nothing is stored, and the administrator is told.
    before = dump(engine)
    refused = _send_link(client, admin, person)
    assert assert_problem(refused, 409)["type"] == "urn:haven:problem:email-not-configured"
    assert dump(engine) == before


def test_a_reset_link_posted_from_another_site_is_refused(client: TestClient) -> None:
    answer = client.post(
        RESET,
        json={"token": "A" * 43, "new_password": NEW_PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"},
    )
    assert_problem(answer, 403)


def test_with_passwords_switched_off_nothing_here_is_a_way_in(
    client: TestClient,
    admin: Person,
    person: Person,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "password_sign_in", False)
    change = {"current_password": person.password, "new_password": NEW_PASSWORD}
    for answer in (
        client.post(CHANGE, json=change, headers=person.headers),
        _send_link(client, admin, person),
        client.post(RESET, json={"token": "A" * 43, "new_password": NEW_PASSWORD}),
        client.post("/api/v1/auth/totp/enrolment", headers=person.headers),
    ):
        assert assert_problem(answer, 403)["type"] == "urn:haven:problem:password-sign-in-off"
    status = client.get("/api/v1/auth/totp", headers=person.headers).json()
    assert status["password_sign_in"] is False
