"""Sign-in, throttling and lockout, refresh-token rotation, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import clock
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
COOKIE = "haven_refresh"


def sign_in(client: TestClient, email: str, password: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def set_cookie_header(response: Any, name: str = COOKIE) -> str:
    headers = [v for v in response.headers.get_list("set-cookie") if v.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def cookie_attributes(header: str) -> dict[str, str]:
    parsed = SimpleCookie()
    parsed.load(header)
    morsel = parsed[COOKIE]
    return {k: morsel[k] for k in morsel if morsel[k] != ""} | {"value": morsel.value}


def without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


@pytest.fixture
def staff(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


# --- sign-in ---------------------------------------------------------------------------------


def test_sign_in_returns_access_and_refresh_tokens(client: TestClient, staff: Person) -> None:
    response = sign_in(client, staff.email, staff.password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["refresh_token"]
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == str(staff.id)


def test_sign_in_email_is_case_insensitive(client: TestClient, staff: Person) -> None:
    assert sign_in(client, f"  {staff.email.upper()} ", staff.password).status_code == 200


def test_sign_in_sets_a_strict_httponly_secure_refresh_cookie(
    client: TestClient, staff: Person
) -> None:
    response = sign_in(client, staff.email, staff.password)
    header = set_cookie_header(response)
    attrs = cookie_attributes(header)
    assert attrs["value"] == response.json()["refresh_token"]
    assert attrs["path"] == "/api/v1/auth"
    assert attrs["httponly"] is True
    assert attrs["secure"] is True
    assert attrs["samesite"].lower() == "strict"
    assert int(attrs["max-age"]) > 0
    assert "domain" not in attrs


def test_wrong_password_and_unknown_email_get_the_same_problem(
    client: TestClient, staff: Person
) -> None:
    wrong_password = sign_in(client, staff.email, "not the password at all")
    unknown_email = sign_in(client, "nobody@hospital.example.org", "not the password at all")
    first = assert_problem(wrong_password, 401)
    second = assert_problem(unknown_email, 401)
    assert without_instance(first) == without_instance(second)
    assert wrong_password.headers.get("www-authenticate") == unknown_email.headers.get(
        "www-authenticate"
    )
    assert COOKIE not in wrong_password.headers.get("set-cookie", "")


def test_deactivated_user_cannot_sign_in_and_gets_the_same_problem(
    client: TestClient, staff: Person, admin: Person
) -> None:
    patched = client.patch(
        f"/api/v1/users/{staff.id}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert patched.status_code == 200
    refused = assert_problem(sign_in(client, staff.email, staff.password), 401)
    unknown = assert_problem(sign_in(client, "nobody@hospital.example.org", "whatever"), 401)
    assert without_instance(refused) == without_instance(unknown)


# Growing delays of failed sign-ins (no lockout): tests/auth/test_sign_in_delays.py.


def test_successful_sign_in_does_not_change_the_users_etag(
    client: TestClient, staff: Person, admin: Person
) -> None:
    url = f"/api/v1/users/{staff.id}"
    etag = client.get(url, headers=admin.headers).headers["etag"]
    assert sign_in(client, staff.email, staff.password).status_code == 200
    read = client.get(url, headers=admin.headers)
    assert read.headers["etag"] == etag
    assert read.json()["last_login_at"] is not None
    patched = client.patch(
        url, json={"display_name": "Still editable"}, headers={**admin.headers, "If-Match": etag}
    )
    assert patched.status_code == 200, patched.text


# --- refresh rotation --------------------------------------------------------------------


def refresh_with(client: TestClient, token: str) -> Any:
    # The body, not the cookie, is what is tested here: clear the jar.
    client.cookies.clear()
    return client.post(REFRESH, json={"refresh_token": token})


def test_refresh_token_works_once_and_returns_a_new_one(client: TestClient, staff: Person) -> None:
    first = sign_in(client, staff.email, staff.password).json()["refresh_token"]
    response = refresh_with(client, first)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] != first
    assert client.get("/api/v1/me", headers=bearer(body["access_token"])).status_code == 200
    assert set_cookie_header(response)


def test_reusing_a_refresh_token_revokes_the_whole_family(
    client: TestClient, staff: Person
) -> None:
    first = sign_in(client, staff.email, staff.password).json()["refresh_token"]
    second = refresh_with(client, first).json()["refresh_token"]
    body = assert_problem(refresh_with(client, first), 401)
    assert body["type"] == "urn:haven:problem:refresh-rejected"
    # The thief or the victim presented the old token: neither may continue the session.
    assert_problem(refresh_with(client, second), 401)


def test_reuse_revokes_only_its_own_family(client: TestClient, staff: Person) -> None:
    laptop = sign_in(client, staff.email, staff.password).json()["refresh_token"]
    phone = sign_in(client, staff.email, staff.password).json()["refresh_token"]
    refresh_with(client, laptop)
    assert_problem(refresh_with(client, laptop), 401)
    assert refresh_with(client, phone).status_code == 200


def test_refresh_with_an_unknown_token_is_refused(client: TestClient, staff: Person) -> None:
    assert_problem(refresh_with(client, "not-a-refresh-token"), 401)


def test_refresh_without_any_token_is_refused(client: TestClient) -> None:
    client.cookies.clear()
    assert_problem(client.post(REFRESH), 401)


def test_refresh_token_expires(client: TestClient, staff: Person) -> None:
    token = sign_in(client, staff.email, staff.password).json()["refresh_token"]
    now = datetime.now(UTC)
    clock.set_clock(lambda: now + timedelta(days=7, seconds=1))
    assert_problem(refresh_with(client, token), 401)


def test_refresh_with_the_cookie_alone_works(client: TestClient, staff: Person) -> None:
    signed_in = sign_in(client, staff.email, staff.password)
    assert client.cookies.get(COOKIE) == signed_in.json()["refresh_token"]
    response = client.post(REFRESH)
    assert response.status_code == 200, response.text
    rotated = response.json()["refresh_token"]
    assert rotated != signed_in.json()["refresh_token"]
    # The rotated cookie replaced the old one and keeps working.
    assert client.cookies.get(COOKIE) == rotated
    assert client.post(REFRESH).status_code == 200


def test_refresh_cookie_is_not_sent_outside_the_auth_path(
    client: TestClient, staff: Person
) -> None:
    sign_in(client, staff.email, staff.password)
    seen: list[str | None] = []

    def capture(request: Any) -> None:
        seen.append(request.headers.get("cookie"))

    client.event_hooks["request"].append(capture)
    client.get("/api/v1/health")
    client.post(REFRESH)
    assert seen[0] is None or COOKIE not in seen[0]
    assert seen[1] is not None and COOKIE in seen[1]


def test_logout_revokes_the_session_and_clears_the_cookie(
    client: TestClient, staff: Person
) -> None:
    signed_in = sign_in(client, staff.email, staff.password).json()["refresh_token"]
    response = client.post(LOGOUT)
    assert response.status_code == 204
    cleared = cookie_attributes(set_cookie_header(response))
    assert cleared["value"] in ("", '""')
    assert cleared["path"] == "/api/v1/auth"
    assert int(cleared.get("max-age", "0")) <= 0
    assert client.cookies.get(COOKIE) is None
    assert_problem(refresh_with(client, signed_in), 401)


def test_logout_revokes_tokens_already_rotated_from_the_same_sign_in(
    client: TestClient, staff: Person
) -> None:
    first = sign_in(client, staff.email, staff.password).json()["refresh_token"]
    current = refresh_with(client, first).json()["refresh_token"]
    client.cookies.clear()
    assert client.post(LOGOUT, json={"refresh_token": current}).status_code == 204
    assert_problem(refresh_with(client, current), 401)


def test_logout_without_a_token_still_succeeds(client: TestClient) -> None:
    client.cookies.clear()
    assert client.post(LOGOUT).status_code == 204


def test_deactivating_a_user_revokes_refresh_and_access_tokens(
    client: TestClient, staff: Person, admin: Person
) -> None:
    tokens = sign_in(client, staff.email, staff.password).json()
    # Used once first, so the person is in the short-lived principal cache when deactivated.
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    patched = client.patch(
        f"/api/v1/users/{staff.id}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert_problem(client.get("/api/v1/me", headers=bearer(tokens["access_token"])), 401)
    assert_problem(refresh_with(client, tokens["refresh_token"]), 401)


def test_reactivated_user_does_not_get_old_refresh_tokens_back(
    client: TestClient, staff: Person, admin: Person
) -> None:
    tokens = sign_in(client, staff.email, staff.password).json()
    url = f"/api/v1/users/{staff.id}"
    off = client.patch(url, json={"is_active": False}, headers={**admin.headers, "If-Match": '"1"'})
    on = client.patch(
        url, json={"is_active": True}, headers={**admin.headers, "If-Match": off.headers["etag"]}
    )
    assert on.status_code == 200, on.text
    assert_problem(refresh_with(client, tokens["refresh_token"]), 401)
