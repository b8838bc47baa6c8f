"""OpenID Connect: Haven as a relying party of the hospital's identity provider.

The authorization code flow with PKCE (S256), run by the server (the browser never holds a
provider token):

1. :func:`begin_sign_in` finds the provider by its discovery document
   (``HAVEN_OIDC_ISSUER`` + ``/.well-known/openid-configuration``, whose ``issuer`` must be
   the configured one exactly), makes a fresh ``state``, ``nonce`` and PKCE verifier, and
   returns the provider's authorization URL and a **flow token**: a JWT Haven signs for
   itself (audience ``haven-oidc-flow``, 10 minutes) holding state, nonce, verifier and where
   to return. The route sets it as an HttpOnly, Secure, ``SameSite=Lax`` cookie on the
   callback's path only (Lax: the provider sends the browser back with a cross-site
   top-level GET, which Lax allows and Strict would not).
2. :func:`finish_sign_in` (the callback) refuses unless the cookie is present, valid and its
   state equals the ``state`` parameter (so an attacker cannot complete a sign-in in someone
   else's browser: login CSRF), and unless an ``iss`` parameter, when the provider sends one
   (RFC 9207), is the issuer. It exchanges the code at the token endpoint with the verifier
   and the client secret (``client_secret_basic``, or ``client_secret_post`` where that is
   all the provider offers), and verifies the id token
   (:mod:`haven.auth.id_tokens`: the provider's published keys only, the algorithm
   allow-list, issuer, audience and ``azp``, expiry and issue time, the nonce, ``at_hash``).
   The route clears the cookie whatever happens: a flow is used once.

Decisions:

* The flow's secrets live in the browser's cookie, signed, rather than in a table: any
  process can finish a flow another began, nothing is stored for a stranger who only opens
  the start URL, and no transaction is held open while the provider answers (the state is
  read from the cookie before the network call; the database is touched only afterwards).
  The verifier is in an HttpOnly cookie scoped to ``/api/v1/auth/oidc``, never in a URL,
  which is what PKCE needs: a code intercepted on its way back cannot be redeemed without it.
  Replaying a callback is refused twice over: the browser's cookie is gone, and the provider
  accepts a code once (OAuth 2.0 requires it; the tests' provider does).
* Keys: the JWKS is cached an hour; a token naming a key the cache lacks makes one fresh
  fetch (at most one forced fetch a minute per process, so nobody makes Haven hammer the
  provider), after which an unknown key is refused. The discovery document is cached an hour.
* Failures are problems, never 500s: no or bad flow cookie or state 400
  ``sso-state-invalid``; the provider said no, or refused the code, 401 ``sso-denied``; the
  id token failed a check 401 ``sso-token-invalid``; the provider unreachable or its answers
  malformed 503 ``sso-provider-unavailable``; single sign-on not configured 404
  ``sso-not-configured``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from haven.auth.id_tokens import IdTokenRejected, UnknownSigningKey, verify_id_token
from haven.core.cache import TTLCache
from haven.core.errors import BadRequest, NotFound, ServiceUnavailable, Unauthorized
from haven.core.security import (
    constant_time_equals,
    decode_signed_claims,
    encode_token,
    new_secret,
    pkce_s256_challenge,
)
from haven.core.settings import Environment, OidcSettings, get_settings
from haven.core.settings.oidc import CALLBACK_PATH

FLOW_AUDIENCE = "haven-oidc-flow"
FLOW_TOKEN_TYPE = "oidc_flow"
FLOW_LIFETIME = timedelta(minutes=10)
METADATA_SECONDS = 3600.0
JWKS_SECONDS = 3600.0
# A token naming an unknown key refetches the provider's keys at most this often.
JWKS_FORCED_REFRESH_SECONDS = 60.0
DEFAULT_RETURN = "/"


class SsoNotConfigured(NotFound):
    type, title = "sso-not-configured", "Single sign-on is not configured"

    def __init__(self) -> None:
        super().__init__("This Haven does not offer single sign-on.")


class SsoStateInvalid(BadRequest):
    type, title = "sso-state-invalid", "The sign-in could not be completed"

    def __init__(self) -> None:
        super().__init__(
            "This sign-in was not started in this browser, took longer than 10 minutes, or "
            "was already used. Start again from the sign-in page."
        )


class SsoDenied(Unauthorized):
    type, title = "sso-denied", "The identity provider did not sign you in"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class SsoProviderUnavailable(ServiceUnavailable):
    type, title = "sso-provider-unavailable", "The identity provider cannot be reached"

    def __init__(self, reason: str) -> None:
        # ``reason`` says which step failed; never a URL's query or a response's body.
        super().__init__(
            f"Single sign-on is unavailable ({reason}). Try again later.",
            headers={"Retry-After": "30"},
        )


@dataclass(frozen=True)
class ProviderMetadata:
    """What Haven uses of the provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str  # where to send the browser
    flow_token: str  # the signed cookie value


@dataclass(frozen=True)
class VerifiedIdentity:
    """A person the provider vouched for, with every claim of their verified id token."""

    issuer: str
    subject: str
    claims: dict[str, Any]
    return_to: str


def oidc_settings() -> OidcSettings:
    settings = get_settings().oidc
    if not settings.enabled:
        raise SsoNotConfigured()
    return settings


def display_name() -> str:
    """The provider's name on the sign-in button ("Sign in with <name>")."""
    settings = get_settings()
    return settings.oidc.name or settings.organisation_name


def redirect_uri() -> str:
    settings = get_settings()
    return settings.oidc.redirect_uri or settings.public_url.rstrip("/") + CALLBACK_PATH


def safe_return_path(value: str | None) -> str:
    """A path in this web client to land on after signing in; anything else (another site,
    a scheme, the API) is the home page, so the start URL is no open redirect."""
    if not value or len(value) > 512 or not value.startswith("/"):
        return DEFAULT_RETURN
    if value.startswith("//") or "\\" in value or any(ord(c) < 0x20 for c in value):
        return DEFAULT_RETURN
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith("/api/"):
        return DEFAULT_RETURN
    return value


# --- the provider's documents ---------------------------------------------------------------

_metadata: TTLCache[str, ProviderMetadata] = TTLCache(ttl_seconds=METADATA_SECONDS)
_jwks: TTLCache[str, dict[str, Any]] = TTLCache(ttl_seconds=JWKS_SECONDS)
# Present while a forced refetch of that key set happened less than a minute ago.
_jwks_forced: TTLCache[str, bool] = TTLCache(ttl_seconds=JWKS_FORCED_REFRESH_SECONDS)
_jwks_lock = threading.Lock()


def _get_json(url: str, settings: OidcSettings, what: str) -> dict[str, Any]:
    try:
        response = httpx.get(
            url,
            timeout=settings.timeout_seconds,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise SsoProviderUnavailable(f"{what} unreachable") from exc
    if response.status_code != 200:
        raise SsoProviderUnavailable(f"{what} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise SsoProviderUnavailable(f"{what} is not JSON") from exc
    if not isinstance(body, dict):
        raise SsoProviderUnavailable(f"{what} is not a JSON object")
    return body


def _endpoint(document: dict[str, Any], name: str, *, production: bool) -> str:
    value = document.get(name)
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SsoProviderUnavailable(f"discovery document lacks {name}")
    if production and parts.scheme != "https":
        raise SsoProviderUnavailable(f"{name} is not https")
    return str(value)


def provider_metadata() -> ProviderMetadata:
    settings = oidc_settings()
    assert settings.issuer is not None
    cached = _metadata.get(settings.issuer)
    if cached is not None:
        return cached
    url = settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = _get_json(url, settings, "discovery document")
    # OIDC Discovery 4.3: the document's issuer must be exactly the one configured, or a
    # look-alike provider could stand in for it.
    if document.get("issuer") != settings.issuer:
        raise SsoProviderUnavailable("discovery document names another issuer")
    production = get_settings().env is Environment.production
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    pkce = document.get("code_challenge_methods_supported")
    if isinstance(pkce, list) and "S256" not in pkce:
        raise SsoProviderUnavailable("the provider does not offer PKCE with S256")
    metadata = ProviderMetadata(
        issuer=settings.issuer,
        authorization_endpoint=_endpoint(document, "authorization_endpoint", production=production),
        token_endpoint=_endpoint(document, "token_endpoint", production=production),
        jwks_uri=_endpoint(document, "jwks_uri", production=production),
        token_auth_methods=tuple(m for m in methods if isinstance(m, str)),
    )
    _metadata.set(settings.issuer, metadata)
    return metadata


def _key_set(metadata: ProviderMetadata, settings: OidcSettings, *, force: bool) -> dict[str, Any]:
    with _jwks_lock:
        cached = None if force else _jwks.get(metadata.jwks_uri)
        if cached is not None:
            return cached
        keys = _get_json(metadata.jwks_uri, settings, "key set")
        if not isinstance(keys.get("keys"), list):
            raise SsoProviderUnavailable("key set has no keys")
        _jwks.set(metadata.jwks_uri, keys)
        return keys


def _may_force_refresh(jwks_uri: str) -> bool:
    with _jwks_lock:
        if _jwks_forced.get(jwks_uri):
            return False
        _jwks_forced.set(jwks_uri, True)
        return True


# --- the flow ----------------------------------------------------------------------------


def begin_sign_in(*, return_to: str | None) -> AuthorizationRequest:
    """The provider's authorization URL for a new flow, and the flow token to keep in the
    browser's cookie until the provider sends it back."""
    settings = oidc_settings()
    metadata = provider_metadata()
    state, nonce, verifier = new_secret(32), new_secret(32), new_secret(48)
    params = {
        "response_type": "code",
        "client_id": settings.client_id,
        "redirect_uri": redirect_uri(),
        "scope": " ".join(settings.scope_list()),
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce_s256_challenge(verifier),
        "code_challenge_method": "S256",
    }
    joiner = "&" if "?" in metadata.authorization_endpoint else "?"
    flow_token = encode_token(
        subject="oidc-flow",
        audience=FLOW_AUDIENCE,
        token_type=FLOW_TOKEN_TYPE,
        lifetime=FLOW_LIFETIME,
        extra={
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "return_to": safe_return_path(return_to),
        },
    )
    return AuthorizationRequest(
        url=metadata.authorization_endpoint + joiner + urlencode(params), flow_token=flow_token
    )


def _flow(flow_token: str | None) -> dict[str, Any]:
    if not flow_token:
        raise SsoStateInvalid()
    try:
        flow = decode_signed_claims(flow_token, audience=FLOW_AUDIENCE, token_type=FLOW_TOKEN_TYPE)
    except Unauthorized as exc:
        raise SsoStateInvalid() from exc
    if not all(isinstance(flow.get(k), str) for k in ("state", "nonce", "verifier", "return_to")):
        raise SsoStateInvalid()
    return flow


# The provider's error codes (RFC 6749 4.1.2.1, OIDC Core 3.1.2.6) said in plain words; any
# other code gets the general sentence, and no text from the provider is repeated.
_PROVIDER_ERRORS = {
    "access_denied": "The sign-in was cancelled or refused at the identity provider.",
    "login_required": "The identity provider needs you to sign in there first.",
    "consent_required": "The identity provider needs your consent for Haven.",
    "interaction_required": "The identity provider needs you to complete a step there.",
    "temporarily_unavailable": "The identity provider is busy. Try again in a moment.",
}


def finish_sign_in(
    *,
    flow_token: str | None,
    state: str | None,
    code: str | None,
    error: str | None,
    issuer: str | None,
) -> VerifiedIdentity:
    """The identity the provider vouched for, once every check of the callback has passed."""
    settings = oidc_settings()
    refused = _PROVIDER_ERRORS.get(error or "", "The identity provider refused the sign-in.")
    if error is not None and state is None:
        # An error answer must carry the state, yet some providers (the tests' among them)
        # drop it. It opens no session, so it is told as it is, not as a broken flow.
        raise SsoDenied(refused)
    flow = _flow(flow_token)
    if not state or not constant_time_equals(state, flow["state"]):
        raise SsoStateInvalid()
    if issuer is not None and issuer != settings.issuer:
        # RFC 9207: an answer from another provider (a mix-up) is refused.
        raise SsoDenied("The answer came from another identity provider than Haven's.")
    if error is not None:
        raise SsoDenied(refused)
    if not code:
        raise SsoDenied("The identity provider sent no authorization code.")
    metadata = provider_metadata()
    tokens = _exchange_code(metadata, settings, code=code, verifier=flow["verifier"])
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise IdTokenRejected("no id token")
    access_token = tokens.get("access_token")
    claims = _verified_claims(
        metadata,
        settings,
        id_token,
        nonce=flow["nonce"],
        access_token=access_token if isinstance(access_token, str) else None,
    )
    return VerifiedIdentity(
        issuer=metadata.issuer,
        subject=str(claims["sub"]),
        claims=claims,
        return_to=safe_return_path(flow["return_to"]),
    )


def _exchange_code(
    metadata: ProviderMetadata, settings: OidcSettings, *, code: str, verifier: str
) -> dict[str, Any]:
    assert settings.client_id is not None and settings.client_secret is not None
    secret = settings.client_secret.get_secret_value()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(),
        "code_verifier": verifier,
    }
    auth: httpx.BasicAuth | None = None
    if "client_secret_basic" in metadata.token_auth_methods:
        # RFC 6749 2.3.1: the id and secret are form-encoded before Basic encoding.
        auth = httpx.BasicAuth(quote(settings.client_id, safe=""), quote(secret, safe=""))
    elif "client_secret_post" in metadata.token_auth_methods:
        form |= {"client_id": settings.client_id, "client_secret": secret}
    else:
        raise SsoProviderUnavailable("the provider offers no client authentication Haven uses")
    try:
        response = httpx.post(
            metadata.token_endpoint,
            data=form,
            auth=auth,
            timeout=settings.timeout_seconds,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise SsoProviderUnavailable("token endpoint unreachable") from exc
    if response.status_code in (400, 401):
        # invalid_grant (a used, expired or foreign code; a wrong verifier), invalid_client.
        raise SsoDenied("The identity provider refused the sign-in. Start again.")
    if response.status_code != 200:
        raise SsoProviderUnavailable(f"token endpoint answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise SsoProviderUnavailable("token endpoint answer is not JSON") from exc
    if not isinstance(body, dict):
        raise SsoProviderUnavailable("token endpoint answer is not a JSON object")
    return body


def _verified_claims(
    metadata: ProviderMetadata,
    settings: OidcSettings,
    id_token: str,
    *,
    nonce: str,
    access_token: str | None,
) -> dict[str, Any]:
    assert settings.client_id is not None

    def verify(jwks: dict[str, Any]) -> dict[str, Any]:
        return verify_id_token(
            id_token,
            jwks=jwks,
            issuer=metadata.issuer,
            client_id=str(settings.client_id),
            nonce=nonce,
            algorithms=settings.algorithms,
            leeway_seconds=settings.leeway_seconds,
            max_age_seconds=int(FLOW_LIFETIME.total_seconds()),
            access_token=access_token,
        )

    try:
        return verify(_key_set(metadata, settings, force=False))
    except UnknownSigningKey:
        # The provider may have rolled its keys since they were cached: fetch them once more.
        if not _may_force_refresh(metadata.jwks_uri):
            raise
        return verify(_key_set(metadata, settings, force=True))
