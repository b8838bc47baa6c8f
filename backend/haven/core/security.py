"""Security primitives: the acting principal, password hashing, JWTs, opaque secrets.

This is the only module that imports ``jose``. Tokens are HS256 with the algorithm pinned
on decode, and ``exp``, ``iat``, ``iss``, ``aud`` and ``sub`` required. Every failure to
read a token, whatever python-jose raises for it (``JWTError``, ``JWKError``, or a plain
``ValueError`` on garbage), ends as 401, never 500. Never log tokens or headers. The id
tokens of the hospital's identity provider are verified here too (:func:`decode_id_token`),
with the one published key and algorithm haven.auth.id_tokens chose.

Every argon2 computation (hashing or verifying a password or a receipt; both are reachable
without an account) takes a turn in one bounded queue per process
(:func:`argon2_work`, ``HAVEN_LIMITS_ARGON2_CONCURRENCY`` at once, ``HAVEN_LIMITS_ARGON2_QUEUE``
waiting): beyond it the caller gets a 503 problem at once, so a flood costs at most
concurrency x ``HAVEN_AUTH_ARGON2_MEMORY_KIB`` of memory, never a thread or 64 MiB per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import jwt
from pydantic import BaseModel

from haven.core import clock
from haven.core.cache import TTLCache
from haven.core.errors import Unauthorized
from haven.core.limits import BoundedWork
from haven.core.settings import AuthSettings, get_settings

JWT_ALGORITHM = "HS256"
# "user" (a signed-in person), "api_key" (a service account), or a declared SessionKind.
PrincipalKind = str
IDENTIFIED_KINDS = frozenset({"user", "api_key"})


@dataclass(frozen=True)
class SessionKind:
    """A bearer token that lets its holder act on one record without being anyone.

    A domain declares its kind once, at import (:func:`declare_session_kind`; the reports
    domain declares an anonymous report's follow-up session), and core verifies such tokens
    and names their holders in the audit log without knowing the domain. The holder's
    :class:`Principal` has ``kind`` = the kind, ``id`` = the record's id, and no roles."""

    kind: str  # the holder's Principal.kind, and the token's ``typ`` claim
    audience: str
    audit_actor: str  # how the audit log names a holder (always without an id)


_session_kinds: dict[str, SessionKind] = {}


def declare_session_kind(declared: SessionKind) -> SessionKind:
    if declared.kind in IDENTIFIED_KINDS:
        raise ValueError(f"{declared.kind!r} names an identified caller, not a session")
    _session_kinds[declared.kind] = declared
    return declared


def session_kind(kind: str | None) -> SessionKind | None:
    """The declared session kind of this name (a token's unverified ``typ``), if any."""
    return _session_kinds.get(kind) if kind is not None else None


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in person, a service account, or the holder of a declared
    session on one record (an anonymous report's follow-up session)."""

    kind: PrincipalKind
    id: uuid.UUID
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    department_id: uuid.UUID | None = None
    display_name: str = ""

    def has_role(self, *roles: str) -> bool:
        return self.kind == "user" and bool(self.roles.intersection(roles))

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.id if self.kind == "user" else None

    def audit_identity(self) -> tuple[str, uuid.UUID | None]:
        """How the audit log names this actor. A session's holder (an anonymous reporter) is
        never named: any kind but a person or a service account is recorded without an id."""
        if self.kind not in IDENTIFIED_KINDS:
            declared = session_kind(self.kind)
            return (declared.audit_actor if declared else self.kind), None
        return self.kind, self.id

    @property
    def idempotency_scope(self) -> str:
        return f"{self.kind}:{self.id.hex}"


# --- passwords -------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def password_hasher(settings: AuthSettings | None = None) -> PasswordHasher:
    s = settings or get_settings().auth
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)


@lru_cache(maxsize=4)
def _argon2_queue(concurrency: int, queue: int) -> BoundedWork:
    return BoundedWork(concurrency=concurrency, queue=queue)


def argon2_work() -> BoundedWork:
    """The process's queue of argon2 computations (raises the 503 when it is full)."""
    s = get_settings().limits
    return _argon2_queue(s.argon2_concurrency, s.argon2_queue)


def hash_password(password: str) -> str:
    """argon2id hash of a password (or of any low-entropy secret, such as a receipt)."""
    with argon2_work().slot():
        return password_hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    with argon2_work().slot():
        try:
            return password_hasher().verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def password_needs_rehash(stored_hash: str) -> bool:
    try:
        return password_hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the time of a real verification, so an unknown account is not faster to reject."""
    verify_password(_dummy_hash(), password)


# --- opaque secrets ----------------------------------------------------------------------


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    """For high-entropy secrets only (refresh tokens, API keys); people's secrets use argon2id."""
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def pkce_s256_challenge(verifier: str) -> str:
    """RFC 7636 4.2: BASE64URL(SHA256(verifier)), without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# --- JWTs ----------------------------------------------------------------------------------


class TokenClaims(BaseModel, frozen=True):
    sub: str
    iss: str
    aud: str
    exp: int
    iat: int
    jti: str
    typ: str
    # The person's session epoch when an access token was issued (haven.auth.sessions): a
    # token from before their sessions were ended is refused. 0: issued before epochs.
    sep: int = 0


def signing_key() -> str:
    return get_settings().signing_key()


def encode_token(
    *,
    subject: str,
    audience: str,
    token_type: str,
    lifetime: timedelta,
    extra: dict[str, Any] | None = None,
) -> str:
    settings = get_settings().auth
    issued = clock.now()
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": settings.issuer,
        "aud": audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": token_type,
        **(extra or {}),
    }
    return str(jwt.encode(claims, signing_key(), algorithm=JWT_ALGORITHM))


def peek_token_type(token: str) -> str | None:
    """The unverified ``typ`` claim, only to choose how to verify (never to trust)."""
    try:
        claims = jwt.get_unverified_claims(token)
    except Exception:
        return None
    value = claims.get("typ") if isinstance(claims, dict) else None
    return value if isinstance(value, str) else None


# Verifying a token (signature, JSON, claim checks) costs ~0.25 ms and every request
# carries one, usually the same as a moment ago: a token verified once is remembered for a
# minute, keyed by the exact token and everything it was checked against (key, issuer,
# audience, type; the token by its SHA-256, so no bearer credential outlives its request in
# memory). Expiry is still checked on every use. Access tokens cannot be revoked before they
# expire (refresh tokens can), so remembering a verified one changes no answer.
VERIFIED_TOKEN_SECONDS = 60.0
_verified: TTLCache[tuple[bytes, str, str, str, str], TokenClaims] = TTLCache(
    ttl_seconds=VERIFIED_TOKEN_SECONDS
)


def decode_token(token: str, *, audience: str, token_type: str) -> TokenClaims:
    settings = get_settings().auth
    digest = hashlib.sha256(token.encode()).digest()
    key = (digest, signing_key(), settings.issuer, audience, token_type)
    claims = _verified.get(key)
    if claims is None:
        claims = _verify(token, audience=audience, token_type=token_type, issuer=settings.issuer)
        _verified.set(key, claims)
    # python-jose checks exp against the wall clock; Haven's clock decides (tests move it).
    if claims.exp <= int(clock.now().timestamp()):
        raise Unauthorized("The access token is invalid or has expired.")
    return claims


def _verify(token: str, *, audience: str, token_type: str, issuer: str) -> TokenClaims:
    try:
        raw = jwt.decode(
            token,
            signing_key(),
            algorithms=[JWT_ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={
                "require_aud": True,
                "require_exp": True,
                "require_iat": True,
                "require_iss": True,
                "require_sub": True,
                "require_jti": True,
                "leeway": 0,
            },
        )
        claims = TokenClaims.model_validate(raw)
    except Exception as exc:
        raise Unauthorized("The access token is invalid or has expired.") from exc
    if claims.typ != token_type:
        raise Unauthorized("The access token is invalid or has expired.")
    return claims


def decode_signed_claims(token: str, *, audience: str, token_type: str) -> dict[str, Any]:
    """Every claim of a token Haven signed for itself (``encode_token`` with ``extra``), once
    verified as :func:`decode_token` verifies (key, algorithm, issuer, audience, type,
    expiry on Haven's clock); nothing is cached. Any failure is a 401."""
    invalid = Unauthorized("The token is invalid or has expired.")
    try:
        raw = jwt.decode(
            token,
            signing_key(),
            algorithms=[JWT_ALGORITHM],
            audience=audience,
            issuer=get_settings().auth.issuer,
            options={
                "require_aud": True,
                "require_exp": True,
                "require_iat": True,
                "require_iss": True,
                "require_sub": True,
                "leeway": 0,
            },
        )
    except Exception as exc:
        raise invalid from exc
    if not isinstance(raw, dict) or raw.get("typ") != token_type:
        raise invalid
    exp = raw.get("exp")
    if not isinstance(exp, int) or exp <= int(clock.now().timestamp()):
        raise invalid
    return raw


# --- OpenID Connect id tokens ----------------------------------------------------------------
#
# Only the jose half is here: verifying the signature with the one published key and the one
# algorithm the caller chose, and the registered claims. Choosing the key from the provider's
# key set, the algorithm allow-list and the OpenID Connect rules (azp, nonce, issue time)
# are haven.auth.id_tokens'.


def unverified_jose_header(token: str) -> dict[str, Any] | None:
    """A token's header, unverified: only to choose a key among the provider's own."""
    try:
        header = jwt.get_unverified_header(token)
    except Exception:
        return None
    return header if isinstance(header, dict) else None


class IdTokenCheckFailed(Exception):
    """``reason`` names the check that failed; never a claim's value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_id_token(
    token: str,
    *,
    key: Mapping[str, Any],
    algorithm: str,
    issuer: str,
    audience: str,
    access_token: str | None,
    leeway_seconds: int,
) -> dict[str, Any]:
    """The claims, once the signature (this JWK, this algorithm only), ``iss``, ``aud``,
    ``exp``, ``iat``, ``sub`` and ``at_hash`` (when the token has one) are verified."""
    try:
        claims = jwt.decode(
            token,
            dict(key),
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            access_token=access_token,
            options={
                "require_aud": True,
                "require_exp": True,
                "require_iat": True,
                "require_iss": True,
                "require_sub": True,
                "verify_at_hash": True,
                "leeway": leeway_seconds,
            },
        )
    except Exception as exc:
        raise IdTokenCheckFailed(_jose_reason(exc)) from exc
    if not isinstance(claims, dict):
        raise IdTokenCheckFailed("malformed token")
    return claims


def _jose_reason(exc: Exception) -> str:
    text = str(exc).lower()
    for needle, reason in (  # "Signature has expired." is about expiry: that comes first
        ("expired", "expired"),
        ("audience", "wrong audience"),
        ("issuer", "wrong issuer"),
        ("at_hash", "access token hash mismatch"),
        ("signature", "bad signature"),
    ):
        if needle in text:
            return reason
    return "invalid token"
