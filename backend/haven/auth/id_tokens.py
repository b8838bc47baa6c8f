"""An id token from the organisation's identity provider, verified (OpenID Connect Core
3.1.3.7) against the provider's published keys, never a key the token names itself.

* The header's ``alg`` must be on the allow-list (``HAVEN_OIDC_ALGORITHMS``; asymmetric
  only: ``none`` and HS* never, so the provider's public key can never serve as an HMAC
  secret), and the key must be of that algorithm's type (RSA for RS*, EC on the right curve
  for ES*), meant for signatures, and not bound to another algorithm.
* The header's ``kid`` only chooses among the published keys; a token may omit it only where
  the provider publishes one key. A ``kid`` the key set lacks raises
  :class:`UnknownSigningKey`, so :mod:`haven.auth.oidc` can fetch the keys once more (a
  rolled key) and verify again.
* python-jose (:func:`haven.core.security.decode_id_token`, the only importer of jose) checks
  the signature, ``iss`` (exactly the configured issuer), ``aud`` (contains the client id),
  ``exp``, ``sub`` and ``at_hash`` when present; here: ``azp`` (required when there are several
  audiences, and Haven's client id whenever present), ``exp`` and ``iat`` on Haven's clock
  too (within the leeway; ``iat`` no older than the flow), the ``nonce`` of this flow, and a
  usable ``sub``.

Any failure is a 401 problem ``sso-token-invalid`` whose detail names the check, never a claim.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from haven.core import clock
from haven.core.errors import Unauthorized
from haven.core.security import (
    IdTokenCheckFailed,
    constant_time_equals,
    decode_id_token,
    unverified_jose_header,
)

_KEY_TYPES = {"RS": "RSA", "ES": "EC"}
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


class IdTokenRejected(Unauthorized):
    type, title = "sso-token-invalid", "Single sign-on failed"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The identity provider's answer could not be verified ({reason}).")
        self.reason = reason


class UnknownSigningKey(IdTokenRejected):
    """The token names a key the published key set lacks (or names none among several)."""

    def __init__(self) -> None:
        super().__init__("unknown signing key")


def _usable_keys(jwks: Mapping[str, Any], alg: str) -> list[dict[str, Any]]:
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        return []
    kty = _KEY_TYPES[alg[:2]]
    return [
        key
        for key in keys
        if isinstance(key, dict)
        and key.get("kty") == kty
        and key.get("use", "sig") == "sig"
        and key.get("alg", alg) == alg
        and (kty != "EC" or key.get("crv") == _EC_CURVES.get(alg))
    ]


def _signing_key(header: Mapping[str, Any], jwks: Mapping[str, Any], alg: str) -> dict[str, Any]:
    usable = _usable_keys(jwks, alg)
    kid = header.get("kid")
    if kid is None:
        # OIDC Core 10.1: a token may leave out kid only where the provider has one key.
        if len(usable) == 1:
            return usable[0]
        raise UnknownSigningKey()
    if not isinstance(kid, str):
        raise IdTokenRejected("malformed header")
    for key in usable:
        if key.get("kid") == kid:
            return key
    raise UnknownSigningKey()


def verify_id_token(
    token: str,
    *,
    jwks: Mapping[str, Any],
    issuer: str,
    client_id: str,
    nonce: str,
    algorithms: Sequence[str],
    leeway_seconds: int,
    max_age_seconds: int,
    access_token: str | None,
) -> dict[str, Any]:
    """The claims of a verified id token, or :class:`IdTokenRejected`."""
    header = unverified_jose_header(token)
    if header is None:
        raise IdTokenRejected("malformed token")
    alg = header.get("alg")
    allowed = [a for a in algorithms if a[:2] in _KEY_TYPES]
    if not isinstance(alg, str) or alg not in allowed:
        raise IdTokenRejected("algorithm not allowed")
    key = _signing_key(header, jwks, alg)
    try:
        claims = decode_id_token(
            token,
            key=key,
            algorithm=alg,
            issuer=issuer,
            audience=client_id,
            access_token=access_token,
            leeway_seconds=leeway_seconds,
        )
    except IdTokenCheckFailed as exc:
        raise IdTokenRejected(exc.reason) from exc
    _check_claims(
        claims,
        client_id=client_id,
        nonce=nonce,
        leeway_seconds=leeway_seconds,
        max_age_seconds=max_age_seconds,
    )
    return claims


def _check_claims(
    claims: Mapping[str, Any],
    *,
    client_id: str,
    nonce: str,
    leeway_seconds: int,
    max_age_seconds: int,
) -> None:
    now = int(clock.now().timestamp())
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise IdTokenRejected("malformed times")
    # python-jose checked expiry on the wall clock; Haven's clock decides too.
    if exp <= now - leeway_seconds:
        raise IdTokenRejected("expired")
    if iat > now + leeway_seconds or iat < now - max_age_seconds - leeway_seconds:
        raise IdTokenRejected("issued at the wrong time")
    aud, azp = claims.get("aud"), claims.get("azp")
    if isinstance(aud, list) and len(aud) > 1 and azp is None:
        raise IdTokenRejected("several audiences and no authorized party")
    if azp is not None and azp != client_id:
        raise IdTokenRejected("wrong authorized party")
    got = claims.get("nonce")
    if not isinstance(got, str) or not constant_time_equals(got, nonce):
        raise IdTokenRejected("wrong nonce")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 0 < len(sub) <= 255:
        raise IdTokenRejected("malformed subject")
