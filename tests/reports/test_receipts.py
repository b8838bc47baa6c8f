"""Receipt exchange: a uniform refusal, throttled guessing, forgiving spelling, and a session
that opens one report only, for a short time, and nothing else."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from haven.core import clock, limits
from haven.core.settings import LimitSettings, Settings
from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.factories.reports import (
    ANONYMOUS_MESSAGES,
    ANONYMOUS_REPORT,
    ANONYMOUS_SESSION,
    anonymous_report,
    bearer,
    report_url,
    submit_anonymous,
    submit_named,
)
from tests.test_access_rules import _rules, api_routes

FAILURES_PER_MINUTE = 10  # the default of HAVEN_REPORTS_RECEIPT_FAILURES_PER_MINUTE (locator)


@pytest.fixture
def client_failures(settings: Settings) -> int:
    """HAVEN_LIMITS_RECEIPT_FAILURES at its default: one client's failures per window."""
    default = LimitSettings.model_fields["receipt_failures"].default
    assert settings.limits.receipt_failures == default
    return int(default)


@contextmanager
def client_at(app: FastAPI, address: str) -> Iterator[TestClient]:
    """A caller at another address (the per-client limits tell them apart)."""
    with TestClient(app, base_url="https://testserver", client=(address, 50000)) as test_client:
        yield test_client


def exchange(client: TestClient, receipt: str) -> Any:
    return client.post(ANONYMOUS_SESSION, json={"receipt": receipt})


def _other_char(c: str) -> str:
    return "1" if c != "1" else "2"


def wrong_but_same_locator(receipt: str) -> str:
    raw = receipt.replace("-", "")
    changed = raw[:4] + "".join(_other_char(c) for c in raw[4:])
    return "-".join(changed[i : i + 4] for i in range(0, 20, 4))


# --- refusals ------------------------------------------------------------------------------


def test_a_well_formed_unknown_receipt_is_401(client: TestClient, department: uuid.UUID) -> None:
    submit_anonymous(client, department)
    body = assert_problem(exchange(client, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"), 401)
    assert body["title"] == "Receipt not recognised"


def test_wrong_receipts_get_one_uniform_refusal(client: TestClient, department: uuid.UUID) -> None:
    receipt = submit_anonymous(client, department)["receipt"]
    candidates = {
        "malformed": "this is not a receipt!",
        "unknown": "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        "locator matches": wrong_but_same_locator(receipt),
        "one character short": receipt.replace("-", "")[:-1],
        "far too short": "ABC",
    }
    bodies = {}
    for name, candidate in candidates.items():
        response = exchange(client, candidate)
        body = assert_problem(response, 401)
        bodies[name] = (response.headers.get("www-authenticate"), sorted(body.items()))
    assert len(set(map(str, bodies.values()))) == 1, bodies


def test_refusal_does_not_echo_the_receipt(client: TestClient, department: uuid.UUID) -> None:
    response = exchange(client, "QQQQ-QQQQ-QQQQ-QQQQ-QQQQ")
    assert "QQQQ" not in response.text


def test_repeated_failures_are_throttled_with_retry_after(
    client: TestClient, department: uuid.UUID, client_failures: int
) -> None:
    for _ in range(client_failures):
        assert exchange(client, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code == 401
    response = exchange(client, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) > 0


def test_a_hammered_report_still_opens_with_the_right_receipt(
    app: FastAPI, department: uuid.UUID, client_failures: int
) -> None:
    # Someone who knows the locator (the first four characters) fails on it from many
    # addresses: the locator is hot, yet the reporter's right receipt opens the report.
    with client_at(app, "192.0.2.10") as reporter:
        receipt = submit_anonymous(reporter, department)["receipt"]
        guess = wrong_but_same_locator(receipt)
        for n in range(FAILURES_PER_MINUTE // client_failures):
            with client_at(app, f"198.51.100.{n + 1}") as attacker:
                for _ in range(client_failures):
                    assert exchange(attacker, guess).status_code == 401
        # Hot now: each further address gets one guess there, then waits.
        for n in range(5):
            with client_at(app, f"203.0.113.{n + 1}") as attacker:
                assert exchange(attacker, guess).status_code == 401
                assert exchange(attacker, guess).status_code == 429
        assert exchange(reporter, receipt).status_code == 200


def test_a_failure_on_a_hot_locator_costs_the_client_a_whole_window(
    app: FastAPI, department: uuid.UUID, client_failures: int, settings: Settings
) -> None:
    with client_at(app, "192.0.2.10") as reporter:
        receipt = submit_anonymous(reporter, department)["receipt"]
        other = submit_anonymous(reporter, department)["receipt"]
    for n in range(FAILURES_PER_MINUTE // client_failures):
        with client_at(app, f"198.51.100.{n + 1}") as attacker:
            for _ in range(client_failures):
                exchange(attacker, wrong_but_same_locator(receipt))
    with client_at(app, "203.0.113.50") as late:
        assert exchange(late, wrong_but_same_locator(receipt)).status_code == 401
        # One try on a hot locator, then a whole window, even for another report's receipt.
        refused = exchange(late, other)
        assert_problem(refused, 429)
        assert int(refused.headers["retry-after"]) >= settings.limits.window_minutes * 60 - 5
    with client_at(app, "203.0.113.51") as elsewhere:
        # A failure on a locator nobody is hammering costs one try, not a window.
        assert exchange(elsewhere, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code == 401
        assert exchange(elsewhere, other).status_code == 200


def test_failures_from_one_client_do_not_lock_out_another(
    app: FastAPI, client: TestClient, department: uuid.UUID, client_failures: int
) -> None:
    # The issue as filed: 190 bad receipts from one client made every reporter's follow-up
    # answer 429 for a minute. Now only that client waits.
    receipt = submit_anonymous(client, department)["receipt"]
    with client_at(app, "198.51.100.66") as attacker:
        answers = [
            exchange(attacker, f"{n:04d}-ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code for n in range(190)
        ]
    assert answers == [401] * client_failures + [429] * (190 - client_failures)
    assert exchange(client, receipt).status_code == 200


def test_client_failures_are_forgotten_as_the_window_passes(
    client: TestClient,
    department: uuid.UUID,
    client_failures: int,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _FakeTime()
    # Only the limits' clock moves.
    monkeypatch.setattr(limits, "_now", fake.monotonic)
    receipt = submit_anonymous(client, department)["receipt"]
    for _ in range(client_failures):
        exchange(client, wrong_but_same_locator(receipt))
    assert exchange(client, receipt).status_code == 429
    # The allowance comes back one try per window / allowance.
    fake.now += settings.limits.window_minutes * 60 / client_failures + 1
    assert exchange(client, receipt).status_code == 200


class _FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_successful_exchanges_are_not_throttled(
    client: TestClient, department: uuid.UUID, client_failures: int
) -> None:
    receipt = submit_anonymous(client, department)["receipt"]
    for _ in range(client_failures + 2):
        assert exchange(client, receipt).status_code == 200


# --- accepted spellings --------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["as_shown", "lowercase", "with_spaces", "without_dashes", "o_for_zero", "i_and_l_for_one"],
)
def test_forgiving_spellings_of_the_right_receipt_open_the_report(
    client: TestClient, department: uuid.UUID, spelling: str
) -> None:
    receipt = ""
    # Draw until the receipt has a 0 or a 1 to misspell (a few tries at most).
    for _ in range(50):
        receipt = submit_anonymous(client, department)["receipt"]
        if "0" in receipt and "1" in receipt:
            break
    assert "0" in receipt and "1" in receipt
    raw = receipt.replace("-", "")
    typed = {
        "as_shown": receipt,
        "lowercase": receipt.lower(),
        "with_spaces": " ".join(raw[i : i + 4] for i in range(0, 20, 4)),
        "without_dashes": raw,
        "o_for_zero": receipt.replace("0", "O"),
        "i_and_l_for_one": receipt.replace("1", "I", 1).replace("1", "l"),
    }[spelling]
    response = exchange(client, typed)
    assert response.status_code == 200, (typed, response.text)
    assert response.json()["expires_in"] == 30 * 60


def test_the_receipt_opens_its_own_report(client: TestClient, department: uuid.UUID) -> None:
    first = submit_anonymous(client, department, description="First anonymous event.")
    submit_anonymous(client, department, description="Second anonymous event.")
    token = exchange(client, first["receipt"]).json()["access_token"]
    view = client.get(ANONYMOUS_REPORT, headers=bearer(token))
    assert view.status_code == 200
    assert view.json()["description"] == "First anonymous event."


def test_receipt_in_a_query_string_is_not_accepted(
    client: TestClient, department: uuid.UUID
) -> None:
    receipt = submit_anonymous(client, department)["receipt"]
    response = client.post(ANONYMOUS_SESSION, params={"receipt": receipt})
    assert response.status_code == 422


# --- the session -----------------------------------------------------------------------------


def test_session_cannot_read_another_anonymous_reports_messages(
    client: TestClient, department: uuid.UUID
) -> None:
    _, _, mine = anonymous_report(client, department)
    _, other_id, _ = anonymous_report(client, department)
    response = client.get(report_url(other_id, "/messages"), headers=bearer(mine))
    assert_problem(response, 404)


def test_session_cannot_post_to_another_anonymous_reports_messages(
    client: TestClient, department: uuid.UUID
) -> None:
    _, _, mine = anonymous_report(client, department)
    _, other_id, _ = anonymous_report(client, department)
    response = client.post(
        report_url(other_id, "/messages"), json={"body": "hello"}, headers=bearer(mine)
    )
    assert_problem(response, 404)


def test_session_reads_its_own_reports_messages_through_the_report_address(
    client: TestClient, department: uuid.UUID
) -> None:
    _, report_id, token = anonymous_report(client, department)
    client.post(ANONYMOUS_MESSAGES, json={"body": "hello"}, headers=bearer(token))
    response = client.get(report_url(report_id, "/messages"), headers=bearer(token))
    assert response.status_code == 200
    assert [m["body"] for m in response.json()] == ["hello"]


def test_session_cannot_open_a_named_report(
    client: TestClient, department: uuid.UUID, reporter: Person
) -> None:
    named = submit_named(client, reporter, department)
    _, _, token = anonymous_report(client, department)
    assert_problem(client.get(report_url(named["id"], "/messages"), headers=bearer(token)), 404)


def test_session_expires_after_thirty_minutes(client: TestClient, department: uuid.UUID) -> None:
    _, _, token = anonymous_report(client, department)
    issued = clock.now()
    clock.set_clock(lambda: issued + timedelta(minutes=29))
    assert client.get(ANONYMOUS_REPORT, headers=bearer(token)).status_code == 200
    clock.set_clock(lambda: issued + timedelta(minutes=30, seconds=1))
    assert_problem(client.get(ANONYMOUS_REPORT, headers=bearer(token)), 401)


def test_expired_session_cannot_post_messages(client: TestClient, department: uuid.UUID) -> None:
    _, _, token = anonymous_report(client, department)
    issued = clock.now()
    clock.set_clock(lambda: issued + timedelta(minutes=31))
    response = client.post(ANONYMOUS_MESSAGES, json={"body": "late"}, headers=bearer(token))
    assert_problem(response, 401)


def test_session_is_refused_by_every_endpoint_not_meant_for_it(
    app: FastAPI, client: TestClient, department: uuid.UUID
) -> None:
    """Walk every API route: only the public ones and those that let a report session in
    may answer it; all others say 401 or 403, even on the session's own report."""
    _, report_id, token = anonymous_report(client, department)
    answered = {}
    for method, path, route in api_routes(app):
        rules = _rules(route.dependant)
        if any(r.public or r.report_session for r in rules):
            continue
        url = re.sub(r"\{report_id\}", report_id, path)
        url = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), url)
        response = client.request(
            method, url, json={}, headers={**bearer(token), "If-Match": '"1"'}
        )
        answered[(method, path)] = response.status_code
    assert len(answered) > 20
    assert {k: v for k, v in answered.items() if v not in (401, 403)} == {}


@pytest.mark.parametrize("suffix", ["", "/involved-staff", "/just-culture-reviews"])
def test_session_cannot_read_its_own_report_through_staff_endpoints(
    client: TestClient, department: uuid.UUID, suffix: str
) -> None:
    _, report_id, token = anonymous_report(client, department)
    response = client.get(report_url(report_id, suffix), headers=bearer(token))
    assert response.status_code in (401, 403), response.text


def test_session_cannot_change_its_reports_status(
    client: TestClient, department: uuid.UUID
) -> None:
    _, report_id, token = anonymous_report(client, department)
    response = client.post(
        report_url(report_id, "/transitions"),
        json={"to": "closed"},
        headers={**bearer(token), "If-Match": '"1"'},
    )
    assert response.status_code in (401, 403)


def test_session_token_is_not_a_sign_in_token(client: TestClient, department: uuid.UUID) -> None:
    _, _, token = anonymous_report(client, department)
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert response.status_code in (400, 401, 422)


def test_there_is_no_process_wide_receipt_bucket(
    app: FastAPI, department: uuid.UUID, client_failures: int
) -> None:
    """Guessing across many reports from many addresses refuses those addresses only."""
    with client_at(app, "192.0.2.10") as reporter:
        receipt = submit_anonymous(reporter, department)["receipt"]
    for n in range(FAILURES_PER_MINUTE * 20 // client_failures + 1):
        with client_at(app, f"198.51.{n // 250}.{n % 250 + 1}") as guesser:
            for k in range(client_failures):
                exchange(guesser, f"{n:02d}{k:02d}-ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    with client_at(app, "192.0.2.10") as reporter:
        assert exchange(reporter, receipt).status_code == 200
