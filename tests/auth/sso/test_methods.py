"""Which sign-in methods are on, passwords switched off, the standard refresh token grant on
/auth/token, and the settings single sign-on refuses to start with."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core.settings import ConfigurationError, Environment, OidcSettings, Settings
from haven.main import create_app
from tests.auth.sso.conftest import Sso, oidc_settings, staff_claims
from tests.core.test_http import assert_problem
from tests.factories.org import make_person

TOKEN = "/api/v1/auth/token"


def _password_grant(client: TestClient, email: str, password: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


def test_by_default_only_passwords_are_offered(client: TestClient) -> None:
    methods = client.get("/api/v1/auth/methods")
    assert methods.status_code == 200
    assert methods.json() == {"password": True, "sso": None}


def test_single_sign_on_is_offered_by_name_when_configured(sso: Sso) -> None:
    assert sso.client.get("/api/v1/auth/methods").json() == {
        "password": True,
        "sso": {"name": "St Elsewhere", "start_url": "/api/v1/auth/oidc/start"},
    }


def test_without_a_provider_the_sso_endpoints_are_not_found(client: TestClient) -> None:
    for path in ("/api/v1/auth/oidc/start", "/api/v1/auth/oidc/callback?code=x&state=y"):
        refused = client.get(path, follow_redirects=False)
        assert assert_problem(refused, 404)["type"].endswith(":sso-not-configured")


def test_with_passwords_off_the_password_grant_is_refused_and_sso_works(
    sso: Sso, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_person(engine, Role.admin)
    monkeypatch.setattr(settings, "password_sign_in", False)

    refused = _password_grant(sso.client, admin.email, admin.password)

    body = assert_problem(refused, 403)
    assert body["type"].endswith(":password-sign-in-off")
    assert "St Elsewhere" in body["detail"]
    assert sso.client.get("/api/v1/auth/methods").json()["password"] is False
    assert sso.sign_in(sso.person(**staff_claims())).status_code == 303
    assert sso.me()["roles"] == ["staff"]


def test_the_refresh_token_grant_rotates_the_token_in_the_body(
    client: TestClient, engine: Engine
) -> None:
    person = make_person(engine, Role.staff)
    first = _password_grant(client, person.email, person.password).json()
    client.cookies.clear()

    refreshed = client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )

    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["refresh_token"] != first["refresh_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == str(person.id)
    # The rotated token works once more; the spent one signs the whole session out.
    reused = client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert assert_problem(reused, 401)["type"].endswith(":refresh-rejected")
    after_reuse = client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert assert_problem(after_reuse, 401)["type"].endswith(":refresh-rejected")


def test_the_refresh_token_grant_reads_the_form_never_the_cookie(
    client: TestClient, engine: Engine
) -> None:
    person = make_person(engine, Role.staff)
    assert _password_grant(client, person.email, person.password).status_code == 200
    assert "haven_refresh" in client.cookies

    refused = client.post(TOKEN, data={"grant_type": "refresh_token"})

    body = assert_problem(refused, 422)
    assert body["errors"][0]["field"] == "refresh_token"


def test_the_refresh_token_grant_works_with_passwords_off(
    client: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_person(engine, Role.staff)
    token = _password_grant(client, person.email, person.password).json()["refresh_token"]
    monkeypatch.setattr(settings, "password_sign_in", False)
    refreshed = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": token})
    assert refreshed.status_code == 200, refreshed.text


def test_an_unknown_grant_type_is_refused(client: TestClient) -> None:
    for grant in ("client_credentials", "authorization_code", "implicit"):
        refused = client.post(TOKEN, data={"grant_type": grant, "username": "a", "password": "b"})
        assert assert_problem(refused, 422)["errors"][0]["field"] == "grant_type"


def test_a_password_grant_without_a_password_names_the_field(client: TestClient) -> None:
    refused = client.post(TOKEN, data={"username": "someone@hospital.example.org"})
    assert assert_problem(refused, 422)["errors"] == [
        {"field": "password", "location": "body", "message": "Field required"}
    ]


def _start_with(settings: Settings, **changes: Any) -> None:
    create_app(settings.model_copy(update=changes))


@pytest.mark.parametrize(
    ("oidc", "message"),
    [
        ({"client_id": None}, "HAVEN_OIDC_CLIENT_ID"),
        ({"client_secret": None}, "HAVEN_OIDC_CLIENT_SECRET"),
        ({"issuer": "ftp://idp.example"}, "HAVEN_OIDC_ISSUER"),
        ({"issuer": "https://idp.example/?tenant=x"}, "HAVEN_OIDC_ISSUER"),
        ({"algorithms": ["HS256"]}, "HAVEN_OIDC_ALGORITHMS"),
        ({"algorithms": ["none"]}, "HAVEN_OIDC_ALGORITHMS"),
        ({"algorithms": []}, "HAVEN_OIDC_ALGORITHMS"),
        ({"role_map": {"staff": ["superuser"]}}, "unknown role"),
        ({"role_map": {"odd": ["auditor", "peer_supporter"]}}, "cannot be held together"),
    ],
)
def test_single_sign_on_settings_that_cannot_work_refuse_the_start(
    settings: Settings, oidc: dict[str, Any], message: str
) -> None:
    values = {
        "issuer": "https://idp.example",
        "client_id": "haven",
        "client_secret": "s3cret",
        **oidc,
    }
    with pytest.raises(ConfigurationError, match=message):
        _start_with(settings, oidc=OidcSettings(**values))


def test_production_needs_https_for_the_provider(settings: Settings) -> None:
    oidc = OidcSettings(issuer="http://idp.example", client_id="haven", client_secret="s")
    with pytest.raises(ConfigurationError, match="https in production"):
        oidc.check(production=True)
    oidc.check(production=False)
    assert settings.env is not Environment.production


def test_passwords_cannot_be_switched_off_without_single_sign_on(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="HAVEN_PASSWORD_SIGN_IN"):
        _start_with(settings, password_sign_in=False)


def test_the_provider_unreachable_is_a_503(
    sso: Sso, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "oidc", oidc_settings(sso.provider, issuer="http://127.0.0.1:9"))
    refused = sso.client.get("/api/v1/auth/oidc/start", follow_redirects=False)
    body = assert_problem(refused, 503)
    assert body["type"].endswith(":sso-provider-unavailable")
    assert refused.headers["retry-after"] == "30"


def test_a_discovery_document_naming_another_issuer_is_refused(
    sso: Sso, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The provider names itself without the trailing slash configured here.
    monkeypatch.setattr(
        settings, "oidc", oidc_settings(sso.provider, issuer=sso.provider.issuer + "/")
    )
    refused = sso.client.get("/api/v1/auth/oidc/start", follow_redirects=False)
    assert "another issuer" in assert_problem(refused, 503)["detail"]
