"""Every id token Haven is handed is checked: these tests swap the id token the real
provider's token endpoint returns for a forged or faulty one, so each reaches Haven exactly
as a real answer would, and each must end as a 401 problem with no account and no session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from haven.auth.models import User
from haven.core.db import new_session
from tests.auth.sso.conftest import Sso, staff_claims
from tests.core.test_http import assert_problem


@dataclass(frozen=True)
class Key:
    kid: str
    alg: str
    private_pem: bytes
    public_jwk: dict[str, Any]

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        headers = {"kid": self.kid, **header}
        return str(jwt.encode(claims, self.private_pem, algorithm=self.alg, headers=headers))


def _key(kid: str, alg: str) -> Key:
    private = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if alg.startswith("RS")
        else ec.generate_private_key(ec.SECP256R1())
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public = jwk.construct(public_pem, alg).to_dict()
    return Key(kid, alg, private_pem, {**public, "kid": kid, "use": "sig"})


@pytest.fixture(scope="module")
def keys() -> dict[str, Key]:
    return {
        "published": _key("published-rsa", "RS256"),
        "published_ec": _key("published-ec", "ES256"),
        "unpublished": _key("unpublished-rsa", "RS256"),
        "rotated": _key("rotated-in", "RS256"),
    }


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _claims(original: str, **changes: Any) -> dict[str, Any]:
    claims = dict(jwt.get_unverified_claims(original))
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def resigned(key: Key, **changes: Any) -> Callable[[str], str]:
    """The provider's real claims (changed as asked), signed with ``key``."""
    return lambda original: key.sign(_claims(original, **changes))


def _refused(sso: Sso, engine: Engine, reason: str | None = None) -> dict[str, Any]:
    sub = sso.person(**staff_claims())
    answer = sso.sign_in(sub)
    body = assert_problem(answer, 401)
    assert body["type"].endswith(":sso-token-invalid"), body
    if reason is not None:
        assert f"({reason})" in body["detail"], body["detail"]
    assert "haven_refresh" not in answer.headers.get("set-cookie", "")
    with new_session(engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0
    return body


@pytest.fixture
def publish(sso: Sso, keys: dict[str, Key]) -> None:
    sso.provider.extra_keys += [keys["published"].public_jwk, keys["published_ec"].public_jwk]


def test_a_token_signed_by_a_published_key_is_accepted(
    sso: Sso, keys: dict[str, Key], publish: None
) -> None:
    for key in (keys["published"], keys["published_ec"]):
        sso.provider.replace_id_token = resigned(key)
        sub = sso.person(**staff_claims())
        assert sso.sign_in(sub).status_code == 303, key.alg
        sso.client.cookies.clear()


def test_a_token_signed_by_another_key_is_refused(
    sso: Sso, engine: Engine, keys: dict[str, Key], publish: None
) -> None:
    forger = keys["unpublished"]
    providers_own = httpx.get(sso.provider.issuer + "/jwks").json()["keys"][0]["kid"]
    # Claiming the provider's own key, and then a published test key.
    sso.provider.replace_id_token = lambda original: forger.sign(
        _claims(original), kid=providers_own
    )
    _refused(sso, engine, "bad signature")
    sso.provider.replace_id_token = lambda original: forger.sign(
        _claims(original), kid=keys["published"].kid
    )
    _refused(sso, engine, "bad signature")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "expired"),
        ({"aud": "another-client"}, "wrong audience"),
        ({"iss": "https://evil.example"}, "wrong issuer"),
        ({"nonce": "a-nonce-from-another-flow"}, "wrong nonce"),
        ({"nonce": None}, "wrong nonce"),
        ({"iat": int(time.time()) + 3600}, "issued at the wrong time"),
        ({"iat": int(time.time()) - 3600}, "issued at the wrong time"),
        ({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "access token hash mismatch"),
        ({"sub": None}, None),
    ],
    ids=["expired", "audience", "issuer", "nonce", "no-nonce", "future", "old", "at_hash", "sub"],
)
def test_a_faulty_token_signed_by_the_right_key_is_refused(
    sso: Sso,
    engine: Engine,
    keys: dict[str, Key],
    publish: None,
    changes: dict[str, Any],
    reason: str | None,
) -> None:
    sso.provider.replace_id_token = resigned(keys["published"], **changes)
    _refused(sso, engine, reason)


def test_several_audiences_need_haven_as_the_authorized_party(
    sso: Sso, engine: Engine, keys: dict[str, Key], publish: None
) -> None:
    client_id = sso.provider.client_id
    key = keys["published"]
    sso.provider.replace_id_token = resigned(key, aud=[client_id, "another-client"])
    _refused(sso, engine, "several audiences and no authorized party")
    sso.provider.replace_id_token = resigned(
        key, aud=[client_id, "another-client"], azp="another-client"
    )
    _refused(sso, engine, "wrong authorized party")
    sso.provider.replace_id_token = resigned(key, aud=[client_id, "another-client"], azp=client_id)
    assert sso.sign_in(sso.person(**staff_claims())).status_code == 303


def test_an_unknown_key_refetches_the_key_set_once_then_is_refused(
    sso: Sso, engine: Engine, keys: dict[str, Key]
) -> None:
    assert sso.sign_in(sso.person(**staff_claims())).status_code == 303  # keys now cached
    sso.client.cookies.clear()
    with new_session(engine) as session:
        session.exec(select(User)).one()
    fetched = sso.provider.jwks_fetches
    assert fetched == 1
    sso.provider.replace_id_token = resigned(keys["unpublished"])

    sub = sso.person(**staff_claims())
    body = assert_problem(sso.sign_in(sub), 401)
    assert "(unknown signing key)" in body["detail"]
    assert sso.provider.jwks_fetches == fetched + 1

    # Within the minute, another unknown key does not make Haven fetch again.
    body = assert_problem(sso.sign_in(sso.person(**staff_claims())), 401)
    assert "(unknown signing key)" in body["detail"]
    assert sso.provider.jwks_fetches == fetched + 1


def test_a_rolled_key_is_fetched_and_accepted(sso: Sso, keys: dict[str, Key]) -> None:
    assert sso.sign_in(sso.person(**staff_claims())).status_code == 303  # keys now cached
    sso.client.cookies.clear()
    sso.provider.extra_keys.append(keys["rotated"].public_jwk)  # rolled in after the fetch
    sso.provider.replace_id_token = resigned(keys["rotated"])

    assert sso.sign_in(sso.person(**staff_claims())).status_code == 303
    assert sso.provider.jwks_fetches == 2


def test_an_unsigned_token_is_refused(sso: Sso, engine: Engine) -> None:
    for alg in ("none", "None", "NONE"):
        sso.provider.replace_id_token = lambda original, alg=alg: (
            _unsigned({"alg": alg, "typ": "JWT"}, _claims(original)) + "."
        )
        _refused(sso, engine, "algorithm not allowed")


def test_an_hmac_token_keyed_with_the_providers_public_key_is_refused(
    sso: Sso, engine: Engine
) -> None:
    published = httpx.get(sso.provider.issuer + "/jwks").json()["keys"][0]
    public_pem = jwk.construct(published, "RS256").to_pem()
    for secret in (public_pem, json.dumps(published).encode(), published["n"].encode()):

        def forge(original: str, secret: bytes = secret) -> str:
            header = {"alg": "HS256", "typ": "JWT", "kid": published["kid"]}
            signing_input = _unsigned(header, _claims(original))
            mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            return f"{signing_input}.{_b64(mac)}"

        sso.provider.replace_id_token = forge
        _refused(sso, engine, "algorithm not allowed")


def test_a_token_without_a_key_id_among_several_keys_is_refused(
    sso: Sso, engine: Engine, keys: dict[str, Key], publish: None
) -> None:
    key = keys["published"]
    sso.provider.replace_id_token = lambda original: str(
        jwt.encode(_claims(original), key.private_pem, algorithm="RS256")
    )
    _refused(sso, engine, "unknown signing key")


def test_a_key_of_another_type_than_the_algorithm_is_not_used(
    sso: Sso, engine: Engine, keys: dict[str, Key], publish: None
) -> None:
    # An RS256 header naming the EC key: no RSA key has that id.
    ec_key = keys["published_ec"]
    sso.provider.replace_id_token = lambda original: keys["published"].sign(
        _claims(original), kid=ec_key.kid
    )
    _refused(sso, engine, "unknown signing key")


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "e30.e30.", "...."])
def test_garbage_in_place_of_a_token_is_refused(sso: Sso, engine: Engine, token: str) -> None:
    sso.provider.replace_id_token = lambda original: token
    _refused(sso, engine)
