"""Single sign-on settings (``HAVEN_OIDC_*``): the hospital's OpenID Connect provider, the
client Haven is registered as there, and how the provider's claims map to Haven's roles,
department and profession (configuration, not code; applied by :mod:`haven.auth.identities`).

OIDC is on when ``HAVEN_OIDC_ISSUER`` is set; the client id and secret are then required.
Role names in ``HAVEN_OIDC_ROLE_MAP`` are checked against Haven's roles when the app starts
(:func:`haven.auth.service.check_sign_in_settings`), since core does not know the roles.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from haven.core.settings.base import ConfigurationError

# The asymmetric algorithms python-jose verifies. Never ``none`` and never HS*: an HMAC
# "signature" keyed with the provider's public key would be forgeable by anyone.
SUPPORTED_ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
CALLBACK_PATH = "/api/v1/auth/oidc/callback"


class OidcSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_OIDC_", extra="ignore")

    # The provider's issuer, exactly as its discovery document and id tokens state it, e.g.
    # https://login.microsoftonline.com/<tenant id>/v2.0 or https://kc.example/realms/staff.
    # Unset: single sign-on is off.
    issuer: str | None = Field(default=None, max_length=255)
    client_id: str | None = Field(default=None, max_length=255)
    client_secret: SecretStr | None = None
    # Space-separated; "openid" is always asked for.
    scopes: str = Field(default="openid email profile", max_length=500)
    # The button reads "Sign in with <name>"; default: HAVEN_ORGANISATION_NAME.
    name: str | None = Field(default=None, max_length=80)
    # Registered at the provider; default: HAVEN_PUBLIC_URL + /api/v1/auth/oidc/callback.
    redirect_uri: str | None = Field(default=None, max_length=500)
    # JSON list; a subset of SUPPORTED_ID_TOKEN_ALGORITHMS.
    algorithms: list[str] = Field(default_factory=lambda: list(SUPPORTED_ID_TOKEN_ALGORITHMS))
    # The claim listing the person's groups (a list of strings, or one string).
    groups_claim: str = Field(default="groups", min_length=1, max_length=100)
    # JSON object {group value: [roles]}: the roles a first sign-in creates an account with.
    # A privileged role is granted only where a group names it here explicitly.
    role_map: dict[str, list[str]] = Field(default_factory=dict)
    # The claim holding the person's department code (Haven's department ``code``).
    department_claim: str | None = Field(default=None, max_length=100)
    # The claim holding the person's profession (one of Haven's professions; else "other").
    profession_claim: str | None = Field(default=None, max_length=100)
    # The claim holding the address a new account is created with (Entra ID without the
    # optional ``email`` claim: ``preferred_username``).
    email_claim: str = Field(default="email", min_length=1, max_length=100)
    # Link a first sign-in to an existing account with the same email, only when the
    # provider says ``email_verified: true``.
    match_verified_email: bool = True
    # Link a first sign-in to the existing account whose SCIM externalId equals this claim
    # (e.g. Entra ID's ``oid`` when the SCIM client sends it as externalId).
    external_id_claim: str | None = Field(default=None, max_length=100)
    # Clock skew allowed between the provider and Haven when checking exp and iat.
    leeway_seconds: int = Field(default=60, ge=0, le=300)
    # Each call to the provider (discovery, keys, token endpoint).
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    def scope_list(self) -> list[str]:
        scopes = [s for s in self.scopes.split() if s]
        return scopes if "openid" in scopes else ["openid", *scopes]

    def check(self, *, production: bool) -> None:
        if not self.enabled:
            return
        assert self.issuer is not None
        if not self.client_id:
            raise ConfigurationError("HAVEN_OIDC_CLIENT_ID must be set with HAVEN_OIDC_ISSUER.")
        if self.client_secret is None or not self.client_secret.get_secret_value():
            raise ConfigurationError(
                "HAVEN_OIDC_CLIENT_SECRET must be set with HAVEN_OIDC_ISSUER: Haven signs "
                "in as a confidential client."
            )
        urls = {"HAVEN_OIDC_ISSUER": self.issuer, "HAVEN_OIDC_REDIRECT_URI": self.redirect_uri}
        for variable, url in urls.items():
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ConfigurationError(f"{variable} must be an http(s) URL.")
            if parts.query or parts.fragment:
                raise ConfigurationError(f"{variable} takes no query or fragment.")
            if production and parts.scheme != "https":
                raise ConfigurationError(f"{variable} must be https in production.")
        if not self.algorithms or not set(self.algorithms) <= set(SUPPORTED_ID_TOKEN_ALGORITHMS):
            raise ConfigurationError(
                "HAVEN_OIDC_ALGORITHMS must list some of "
                + ", ".join(SUPPORTED_ID_TOKEN_ALGORITHMS)
                + "."
            )
        if any(not group.strip() for group in self.role_map):
            raise ConfigurationError("HAVEN_OIDC_ROLE_MAP has an empty group name.")
