"""Failed sign-ins slow whoever fails, never the person: growing delays per client and
account and per client (haven.auth.routes.sign_in), an administrator's unlock that reaches
every process, and the figures README reports (guesses an attacker gets per account-hour)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import limits
from haven.core.settings import AuthSettings, LimitSettings, Settings
from haven.main import create_app
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person
from tests.reports.snapshot import dump, text_of

TOKEN = "/api/v1/auth/token"
ATTACKER = "203.0.113.7"
PERSON_AT = "192.0.2.10"
WRONG = "wrong password, again"


class FakeMonotonic:
    """The clock of the in-memory limits, moved by the test."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    fake = FakeMonotonic()
    monkeypatch.setattr(limits, "_now", fake)
    return fake


@pytest.fixture
def defaults(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The shipped limits (the test suite raises the per-client sign-in count)."""
    for name in ("sign_ins", "sign_in_failures", "window_minutes"):
        monkeypatch.setattr(settings.limits, name, LimitSettings.model_fields[name].default)
    for name in ("free_failures", "first_delay_seconds"):
        monkeypatch.setattr(settings.auth, name, AuthSettings.model_fields[name].default)
    return settings


@contextmanager
def client_at(app: FastAPI, address: str) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", client=(address, 50000)) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str, password: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


def fail(client: TestClient, email: str, times: int) -> None:
    for _ in range(times):
        assert_problem(sign_in(client, email, WRONG), 401)


def without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


@pytest.fixture
def person(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


# --- per client and account ----------------------------------------------------------------


def test_after_five_failures_the_next_attempt_from_that_client_waits_30_seconds(
    app: FastAPI, person: Person, defaults: Settings, monotonic: FakeMonotonic
) -> None:
    with client_at(app, ATTACKER) as attacker:
        fail(attacker, person.email, 5)
        refused = sign_in(attacker, person.email, person.password)
        body = assert_problem(refused, 429)
        assert body["type"] == "urn:haven:problem:sign-in-throttled"
        assert int(refused.headers["retry-after"]) == 30
        monotonic.advance(30)
        assert sign_in(attacker, person.email, person.password).status_code == 200


def test_each_further_failure_doubles_the_wait_up_to_the_window(
    app: FastAPI, person: Person, defaults: Settings, monotonic: FakeMonotonic
) -> None:
    waits = []
    with client_at(app, ATTACKER) as attacker:
        fail(attacker, person.email, 5)
        for _ in range(7):
            refused = sign_in(attacker, person.email, WRONG)
            assert_problem(refused, 429)
            wait = int(refused.headers["retry-after"])
            waits.append(wait)
            monotonic.advance(wait)
            assert_problem(sign_in(attacker, person.email, WRONG), 401)
    assert waits == [30, 60, 120, 240, 480, 600, 600]


def test_a_stranger_elsewhere_cannot_lock_the_person_out(
    app: FastAPI, engine: Engine, person: Person, defaults: Settings, monotonic: FakeMonotonic
) -> None:
    with client_at(app, ATTACKER) as attacker, client_at(app, PERSON_AT) as own_device:
        for _ in range(40):
            answer = sign_in(attacker, person.email, WRONG)
            assert answer.status_code in (401, 429)
            if answer.status_code == 429:
                monotonic.advance(int(answer.headers["retry-after"]))
            # In the middle of the attack, the person signs in from their own device.
            assert sign_in(own_device, person.email, person.password).status_code == 200
        # The attacker is still slowed (even with the right password, once delayed).
        assert_problem(sign_in(attacker, person.email, WRONG), 401)
        assert_problem(sign_in(attacker, person.email, person.password), 429)
    # Nothing about either address was stored.
    rows = text_of(dump(engine))
    assert ATTACKER not in rows and PERSON_AT not in rows


def test_the_right_password_clears_the_delay_it_earned(
    app: FastAPI, person: Person, defaults: Settings
) -> None:
    with client_at(app, PERSON_AT) as own_device:
        fail(own_device, person.email, 4)
        assert sign_in(own_device, person.email, person.password).status_code == 200
        fail(own_device, person.email, 4)
        assert sign_in(own_device, person.email, person.password).status_code == 200


def test_an_unknown_email_is_delayed_exactly_like_an_account(
    app: FastAPI, person: Person, defaults: Settings
) -> None:
    unknown = "nobody@hospital.example.org"
    with client_at(app, ATTACKER) as attacker:
        fail(attacker, person.email, 5)
    with client_at(app, "198.51.100.9") as other:
        fail(other, unknown, 5)
    with client_at(app, ATTACKER) as attacker:
        locked = sign_in(attacker, person.email, person.password)
    with client_at(app, "198.51.100.9") as other:
        throttled = sign_in(other, unknown, "any password at all")
    assert without_instance(assert_problem(locked, 429)) == without_instance(
        assert_problem(throttled, 429)
    )
    assert locked.headers["retry-after"] == throttled.headers["retry-after"]


def test_an_administrators_unlock_clears_the_delays_in_every_process(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    person: Person,
    defaults: Settings,
    monotonic: FakeMonotonic,
) -> None:
    admin = make_person(engine, Role.admin)
    # Another API process shares nothing in memory with this one.
    other_process = create_app(settings, engine)
    with client_at(app, ATTACKER) as here, client_at(other_process, ATTACKER) as there:
        fail(here, person.email, 5)
        fail(there, person.email, 5)
        assert_problem(sign_in(here, person.email, person.password), 429)
        assert_problem(sign_in(there, person.email, person.password), 429)
        unlocked = here.post(f"/api/v1/users/{person.id}/unlock", headers=admin.headers)
        assert unlocked.status_code == 204, unlocked.text
        assert sign_in(here, person.email, person.password).status_code == 200
        assert sign_in(there, person.email, person.password).status_code == 200


def test_only_an_administrator_unlocks(app: FastAPI, engine: Engine, person: Person) -> None:
    staff = make_person(engine, Role.staff)
    with client_at(app, PERSON_AT) as client:
        answer = client.post(f"/api/v1/users/{person.id}/unlock", headers=staff.headers)
    assert_problem(answer, 403)


def test_failed_sign_ins_do_not_change_the_users_etag(
    app: FastAPI, engine: Engine, person: Person, defaults: Settings
) -> None:
    admin = make_person(engine, Role.admin)
    url = f"/api/v1/users/{person.id}"
    with client_at(app, ATTACKER) as client:
        etag = client.get(url, headers=admin.headers).headers["etag"]
        fail(client, person.email, 5)
        assert_problem(sign_in(client, person.email, person.password), 429)
        assert client.post(f"{url}/unlock", headers=admin.headers).status_code == 204
        assert client.get(url, headers=admin.headers).headers["etag"] == etag
        patched = client.patch(
            url,
            json={"display_name": "Still editable"},
            headers={**admin.headers, "If-Match": etag},
        )
    assert patched.status_code == 200, patched.text


# --- per client, whatever the emails -------------------------------------------------------


def test_spraying_many_emails_from_one_client_is_slowed(
    app: FastAPI, person: Person, defaults: Settings, monotonic: FakeMonotonic
) -> None:
    with client_at(app, ATTACKER) as sprayer:
        for n in range(10):
            assert_problem(
                sign_in(sprayer, f"someone{n}@hospital.example.org", "Winter2026!!"), 401
            )
        refused = sign_in(sprayer, "someone-else@hospital.example.org", "Winter2026!!")
        body = assert_problem(refused, 429)
        assert body["type"] == "urn:haven:problem:too-many-requests"
        assert int(refused.headers["retry-after"]) == 30
    with client_at(app, PERSON_AT) as colleague:
        assert sign_in(colleague, person.email, person.password).status_code == 200


# --- the figures ---------------------------------------------------------------------------


def _attack(
    app: FastAPI,
    email: str,
    addresses: list[str],
    clock: FakeMonotonic,
    *,
    hours: float,
    linger: float | None = None,
) -> int:
    """Guesses evaluated (401s) in ``hours`` by attackers at ``addresses``, each trying again
    as soon as it is allowed (or, with ``linger``, going quiet that long whenever told to
    wait: long enough to be forgotten). Returns the total."""
    start = clock.now
    next_at = {address: start for address in addresses}
    clients = {
        address: TestClient(app, base_url="https://testserver", client=(address, 1))
        for address in addresses
    }
    guesses = 0
    while True:
        address = min(next_at, key=lambda a: next_at[a])
        if next_at[address] - start >= hours * 3600:
            break
        clock.now = next_at[address]
        answer = sign_in(clients[address], email, WRONG)
        if answer.status_code == 401:
            guesses += 1
            next_at[address] += 1.0  # a second per request: generous to the attacker
        else:
            assert answer.status_code == 429, answer.text
            wait = float(answer.headers["retry-after"])
            next_at[address] += max(wait, linger) if linger is not None else wait
    return guesses


def test_the_figures_guesses_per_account_hour(
    app: FastAPI, person: Person, defaults: Settings, monotonic: FakeMonotonic
) -> None:
    """README, "Passwords": what an attacker gets against one account in an hour. One
    address, trying as soon as allowed (first hour, and a later hour), or going quiet until
    forgotten; ten addresses in parallel: ten times one."""
    first_hour = _attack(app, person.email, [ATTACKER], monotonic, hours=1)
    later_hour = _attack(app, person.email, [ATTACKER], monotonic, hours=1)
    print(f"\none address, first hour: {first_hour}; a later hour: {later_hour}")
    assert first_hour <= 15
    assert later_hour <= 7
    limits.reset_all()
    quiet = _attack(app, person.email, ["203.0.113.8"], monotonic, hours=3, linger=1200) / 3
    print(f"one address, going quiet 20 minutes whenever delayed: {quiet:.1f} an hour")
    assert quiet <= 16
    limits.reset_all()
    many = [f"198.51.100.{n}" for n in range(1, 11)]
    ten = _attack(app, person.email, many, monotonic, hours=1)
    print(f"ten addresses, first hour: {ten}")
    assert ten <= 10 * 15
