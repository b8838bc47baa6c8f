"""Single sign-on against a real OpenID Connect provider (tests/oidc_provider.py), started
once for the session; each test configures Haven for it and signs people in through the
provider's own page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from haven.core.settings import OidcSettings, Settings
from tests.oidc_provider import Provider, running_provider

CALLBACK = "https://testserver/api/v1/auth/oidc/callback"
START = "/api/v1/auth/oidc/start"
ROLE_MAP = {
    "all-staff": ["staff"],
    "peer-supporters": ["peer_supporter"],
    "safety-team": ["safety_officer"],
    "ward-leads": ["department_lead"],
    "haven-admins": ["admin"],
}


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    with running_provider(redirect_uri=CALLBACK) as running:
        yield running


def oidc_settings(provider: Provider, **overrides: Any) -> OidcSettings:
    values: dict[str, Any] = {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "redirect_uri": CALLBACK,
        "name": "St Elsewhere",
        "role_map": ROLE_MAP,
        "department_claim": "department",
        "profession_claim": "profession",
        **overrides,
    }
    return OidcSettings(**values)


@dataclass
class Sso:
    provider: Provider
    client: TestClient

    def start(self, return_to: str | None = None) -> str:
        params = {"return_to": return_to} if return_to is not None else {}
        started = self.client.get(START, params=params, follow_redirects=False)
        assert started.status_code == 302, started.text
        return started.headers["location"]

    def back_from_provider(self, sub: str, *, return_to: str | None = None) -> str:
        """Start, sign in on the provider's page; the callback path Haven is sent back to."""
        sent_back = self.provider.sign_in_at_provider(self.start(return_to), sub)
        assert sent_back.startswith(CALLBACK + "?"), sent_back
        parts = urlsplit(sent_back)
        return f"{parts.path}?{parts.query}"

    def person(self, **claims: Any) -> str:
        sub = f"sub-{uuid.uuid4().hex[:12]}"
        self.provider.add_user(sub, **claims)
        return sub

    def sign_in(self, sub: str, *, return_to: str | None = None) -> Response:
        callback = self.back_from_provider(sub, return_to=return_to)
        return self.client.get(callback, follow_redirects=False)

    def me(self) -> dict[str, Any]:
        refreshed = self.client.post("/api/v1/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        token = refreshed.json()["access_token"]
        me = self.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        return dict(me.json())


@pytest.fixture
def sso(
    provider: Provider, client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sso]:
    provider.reset()
    monkeypatch.setattr(settings, "oidc", oidc_settings(provider))
    yield Sso(provider, client)
    provider.reset()


def staff_claims(**extra: Any) -> dict[str, Any]:
    n = uuid.uuid4().hex[:8]
    return {
        "email": f"sso-{n}@hospital.example.org",
        "email_verified": True,
        "name": f"Sam Sso {n}",
        "groups": ["all-staff"],
        **extra,
    }
