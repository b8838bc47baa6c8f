"""Sign-in costs an argon2 verification whether or not the account exists, so it is reachable
without an account like anonymous reporting: a per-client limit of attempts in memory (on
top of the growing delays of failures) and the bounded argon2 queue hold here too."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.core import security
from haven.core.settings import LimitSettings, Settings
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person
from tests.reports.snapshot import dump, new_rows, text_of

TOKEN = "/api/v1/auth/token"
SPRAYER = "198.51.100.88"


@contextmanager
def client_at(app: FastAPI, address: str) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", client=(address, 50000)) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str, password: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


@pytest.fixture
def sign_ins(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> int:
    default = int(LimitSettings.model_fields["sign_ins"].default)
    monkeypatch.setattr(settings.limits, "sign_ins", default)
    # The allowance of attempts alone (failures' growing delays: test_sign_in_delays.py).
    monkeypatch.setattr(settings.limits, "sign_in_failures", 0)
    return default


def test_password_spraying_from_one_client_is_refused_after_its_allowance(
    app: FastAPI,
    engine: Engine,
    sign_ins: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = make_person(engine)
    caplog.set_level(logging.INFO, logger="haven")
    with client_at(app, SPRAYER) as sprayer:
        # A different email each time: no account sees a second try.
        for n in range(sign_ins):
            answer = sign_in(sprayer, f"someone{n}@hospital.example.org", "Winter2026!")
            assert_problem(answer, 401)
        refused = sign_in(sprayer, person.email, person.password)
        body = assert_problem(refused, 429)
        assert body["type"] == "urn:haven:problem:too-many-requests"
        assert int(refused.headers["retry-after"]) > 0
    with client_at(app, "192.0.2.44") as colleague:
        assert sign_in(colleague, person.email, person.password).status_code == 200
    # The attempts were logged (without the address); nothing stored names the address.
    assert "/api/v1/auth/token 429" in caplog.text
    assert SPRAYER not in caplog.text
    assert SPRAYER not in text_of(dump(engine))


def test_a_busy_argon2_queue_answers_sign_in_with_503_and_counts_nothing(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    sign_ins: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person: Person = make_person(engine)
    monkeypatch.setattr(settings.limits, "argon2_concurrency", 1)
    monkeypatch.setattr(settings.limits, "argon2_queue", 0)
    security._argon2_queue.cache_clear()
    try:
        before = dump(engine)
        with client_at(app, SPRAYER) as caller:
            # Another computation holds the one turn there is.
            with security.argon2_work().slot():
                began = time.perf_counter()
                answers = [sign_in(caller, person.email, "wrong password") for _ in range(sign_ins)]
                elapsed = time.perf_counter() - began
            for answer in answers:
                assert_problem(answer, 503)
                assert int(answer.headers["retry-after"]) > 0
            assert elapsed < 5
            # Nothing stored, and not counted against the client.
            assert new_rows(before, dump(engine)) == set()
            assert sign_in(caller, person.email, person.password).status_code == 200
    finally:
        security._argon2_queue.cache_clear()
