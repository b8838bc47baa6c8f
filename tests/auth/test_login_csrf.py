"""Login CSRF: a browser's cross-site post to a sign-in endpoint is refused before it can set
a session cookie; and a browser never gets the refresh token in a response body
(haven.auth.routes.guards). Chromium proves the first in frontend/e2e/login-csrf.spec.ts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.routes.guards import cross_site_refusal
from haven.auth.schemas import Role
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
OWN = "https://testserver"


@pytest.fixture
def person(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


def sign_in(client: TestClient, person: Person, **headers: str) -> Any:
    return client.post(
        TOKEN, data={"username": person.email, "password": person.password}, headers=headers
    )


def sets_a_session(response: Any) -> bool:
    return any(v.startswith("haven_refresh=") for v in response.headers.get_list("set-cookie"))


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://intranet.testserver"},
        {"Origin": "https://attacker.example"},  # an older browser: no Sec-Fetch-*
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Origin": "http://testserver:8443"},  # another port is another origin
    ],
)
def test_a_cross_site_sign_in_is_refused_and_sets_no_cookie(
    client: TestClient, person: Person, headers: dict[str, str]
) -> None:
    answer = sign_in(client, person, **headers)
    body = assert_problem(answer, 403)
    assert body["type"] == "urn:haven:problem:cross-site-request"
    assert not sets_a_session(answer)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": OWN},
        {"Origin": OWN},  # an older browser on Haven's own page
        {"Origin": "http://127.0.0.1:8000"},  # HAVEN_PUBLIC_URL's origin (behind a proxy)
    ],
)
def test_haven_s_own_pages_sign_in(
    client: TestClient, person: Person, headers: dict[str, str]
) -> None:
    answer = sign_in(client, person, **headers)
    assert answer.status_code == 200, answer.text
    assert sets_a_session(answer)


def test_a_client_that_is_no_browser_signs_in_and_gets_the_refresh_token(
    client: TestClient, person: Person
) -> None:
    answer = sign_in(client, person)
    assert answer.status_code == 200
    assert answer.json()["refresh_token"]


def test_a_browser_never_gets_the_refresh_token_in_a_body(
    client: TestClient, person: Person
) -> None:
    signed_in = sign_in(client, person, **{"Sec-Fetch-Site": "same-origin", "Origin": OWN})
    assert signed_in.json()["refresh_token"] is None
    assert sets_a_session(signed_in)
    refreshed = client.post(
        REFRESH, json={}, headers={"Sec-Fetch-Site": "same-origin", "Origin": OWN}
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] is None
    assert sets_a_session(refreshed)


def test_the_refresh_grant_obeys_the_same_rules(client: TestClient, person: Person) -> None:
    # A stock OAuth2 client gets its new refresh token in the body.
    first = sign_in(client, person).json()["refresh_token"]
    client.cookies.clear()
    stock = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": first})
    assert stock.status_code == 200, stock.text
    second = stock.json()["refresh_token"]
    assert second
    # A cross-site form cannot plant a session through it either.
    client.cookies.clear()
    planted = client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": second},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"},
    )
    assert_problem(planted, 403)
    assert not sets_a_session(planted)


def test_the_rule_reads_the_headers_as_documented() -> None:
    def refused(**kwargs: str | None) -> bool:
        values: dict[str, Any] = {"sec_fetch_site": None, "origin": None, "host": "haven.example"}
        values.update(kwargs)
        return cross_site_refusal(public_url="https://haven.example", **values)

    assert not refused()  # no browser
    assert not refused(sec_fetch_site="same-origin")
    assert not refused(sec_fetch_site="none")
    assert refused(sec_fetch_site="same-site")
    assert refused(sec_fetch_site="cross-site")
    assert not refused(origin="https://haven.example")
    assert not refused(origin="https://haven.example:443")
    assert not refused(origin="http://internal:8000", host="internal:8000")
    assert refused(origin="https://haven.example.attacker.example")
    assert refused(origin="null")
    assert refused(origin="not a url")
    assert not refused(origin="http://[::1]:8000", host="[::1]:8000")
