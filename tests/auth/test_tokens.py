"""Access tokens: anything but a well-formed, unexpired, correctly signed Haven access token
for an active user is a 401 problem — never a 500, never a way in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import clock, security
from haven.core.security import signing_key
from tests.core.test_http import assert_problem
from tests.factories.org import Person, access_token_for, make_person

ME = "/api/v1/me"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64url_json(value: Any) -> str:
    return _b64url(json.dumps(value, separators=(",", ":")).encode())


def _valid_claims(user_id: uuid.UUID) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {
        "sub": str(user_id),
        "iss": "haven",
        "aud": "haven-api",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }


def _sign(claims: dict[str, Any]) -> str:
    return str(jwt.encode(claims, signing_key(), algorithm="HS256"))


def _hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{_b64url_json(header)}.{_b64url_json(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def _me(client: TestClient, token: str) -> Any:
    return client.get(ME, headers={"Authorization": f"Bearer {token}"})


def assert_token_refused(response: Any) -> None:
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["type"] == "urn:haven:problem:unauthorized"


@pytest.fixture
def staff(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


# --- the baseline: the crafting helpers make tokens the server accepts --------------------


def test_a_correctly_crafted_token_is_accepted(client: TestClient, staff: Person) -> None:
    response = _me(client, _sign(_valid_claims(staff.id)))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(staff.id)


def test_a_token_from_the_factory_is_accepted_until_it_expires(
    client: TestClient, staff: Person
) -> None:
    issued = datetime.now(UTC)
    token = access_token_for(staff.id)
    clock.set_clock(lambda: issued + timedelta(minutes=14))
    assert _me(client, token).status_code == 200


# --- tampering --------------------------------------------------------------------------------


def test_token_with_tampered_payload_is_refused(
    client: TestClient, engine: Engine, staff: Person
) -> None:
    admin = make_person(engine, Role.admin)
    header, _payload, signature = staff.token.split(".")
    claims = jwt.get_unverified_claims(staff.token)
    forged = f"{header}.{_b64url_json({**claims, 'sub': str(admin.id)})}.{signature}"
    assert_token_refused(_me(client, forged))


def test_token_with_tampered_signature_is_refused(client: TestClient, staff: Person) -> None:
    header, payload, signature = staff.token.split(".")
    # Change a character in the middle: the last one may only carry padding bits.
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    assert_token_refused(_me(client, forged))


def test_token_signed_with_another_key_is_refused(client: TestClient, staff: Person) -> None:
    token = jwt.encode(_valid_claims(staff.id), "not-the-server-key-" * 3, algorithm="HS256")
    assert_token_refused(_me(client, token))


def test_token_without_signature_is_refused(client: TestClient, staff: Person) -> None:
    header, payload, _signature = staff.token.split(".")
    assert_token_refused(_me(client, f"{header}.{payload}."))


# --- expiry ----------------------------------------------------------------------------------


def test_token_expired_on_the_haven_clock_is_refused(client: TestClient, staff: Person) -> None:
    issued = datetime.now(UTC)
    token = access_token_for(staff.id)
    clock.set_clock(lambda: issued + timedelta(minutes=15, seconds=1))
    assert_token_refused(_me(client, token))


def test_a_token_accepted_a_moment_ago_is_refused_once_it_expires(
    client: TestClient, staff: Person
) -> None:
    # A verified token is remembered for a minute (security.decode_token): expiry must still
    # be checked on every use.
    issued = datetime.now(UTC)
    token = access_token_for(staff.id)
    assert _me(client, token).status_code == 200
    clock.set_clock(lambda: issued + timedelta(minutes=15, seconds=1))
    assert_token_refused(_me(client, token))


def test_a_remembered_token_is_refused_once_the_signing_key_changes(
    client: TestClient, staff: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = access_token_for(staff.id)
    assert _me(client, token).status_code == 200
    monkeypatch.setattr(security, "signing_key", lambda: "a-rotated-key-" * 4)
    assert_token_refused(_me(client, token))


def test_token_with_exp_in_the_past_is_refused(client: TestClient, staff: Person) -> None:
    claims = _valid_claims(staff.id)
    claims["iat"] -= 3600
    claims["exp"] = claims["iat"] + 900
    assert_token_refused(_me(client, _sign(claims)))


# --- algorithm confusion -------------------------------------------------------------------


def test_alg_none_token_is_refused(client: TestClient, staff: Person) -> None:
    for alg in ("none", "None", "NONE"):
        token = (
            f"{_b64url_json({'alg': alg, 'typ': 'JWT'})}.{_b64url_json(_valid_claims(staff.id))}."
        )
        assert_token_refused(_me(client, token))


def _rsa_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_token_signed_rs256_with_a_fresh_rsa_key_is_refused(
    client: TestClient, staff: Person
) -> None:
    pem = _rsa_private_key().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token = jwt.encode(_valid_claims(staff.id), pem.decode(), algorithm="RS256")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert_token_refused(_me(client, token))


def test_rs256_header_hmac_signed_with_a_public_key_pem_is_refused(
    client: TestClient, staff: Person
) -> None:
    public_pem = (
        _rsa_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = _hs256({"alg": "RS256", "typ": "JWT"}, _valid_claims(staff.id), public_pem)
    assert_token_refused(_me(client, token))


def test_rs256_header_hmac_signed_with_the_server_key_is_refused(
    client: TestClient, staff: Person
) -> None:
    # Only the pinned algorithm is accepted, whatever the header claims.
    token = _hs256({"alg": "RS256", "typ": "JWT"}, _valid_claims(staff.id), signing_key().encode())
    assert_token_refused(_me(client, token))


# --- claims ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: c.update(aud="another-api"), id="wrong-audience"),
        pytest.param(lambda c: c.update(aud=["another-api"]), id="wrong-audience-list"),
        pytest.param(lambda c: c.update(iss="someone-else"), id="wrong-issuer"),
        pytest.param(lambda c: c.pop("exp"), id="missing-exp"),
        pytest.param(lambda c: c.pop("aud"), id="missing-aud"),
        pytest.param(lambda c: c.pop("sub"), id="missing-sub"),
        pytest.param(lambda c: c.pop("iss"), id="missing-iss"),
        pytest.param(lambda c: c.pop("typ"), id="missing-typ"),
        pytest.param(lambda c: c.update(exp="tomorrow"), id="exp-not-a-number"),
        pytest.param(lambda c: c.update(sub=12345), id="sub-not-a-string"),
        pytest.param(lambda c: c.update(sub="not-a-uuid"), id="sub-not-a-uuid"),
    ],
)
def test_token_with_bad_claims_is_refused(
    client: TestClient, staff: Person, change: Callable[[dict[str, Any]], None]
) -> None:
    claims = _valid_claims(staff.id)
    change(claims)
    assert_token_refused(_me(client, _sign(claims)))


# Correctly signed, but python-jose's claim checks raise TypeError or OverflowError on these
# (not JWTError): only a catch-all in the decoder keeps them from becoming a 500.
@pytest.mark.parametrize(
    "claim",
    [
        pytest.param({"exp": None}, id="exp-null"),
        pytest.param({"exp": [1]}, id="exp-list"),
        pytest.param({"exp": {}}, id="exp-object"),
        pytest.param({"exp": float("inf")}, id="exp-infinity"),
        pytest.param({"iat": None}, id="iat-null"),
        pytest.param({"iat": []}, id="iat-list"),
        pytest.param({"nbf": [1]}, id="nbf-list"),
    ],
)
def test_signed_token_whose_claims_break_the_jwt_library_is_refused(
    client: TestClient, staff: Person, claim: dict[str, Any]
) -> None:
    assert_token_refused(_me(client, _sign({**_valid_claims(staff.id), **claim})))


@pytest.mark.parametrize("typ", ["refresh", "report_session", "ACCESS", ""])
def test_token_of_another_type_is_refused(client: TestClient, staff: Person, typ: str) -> None:
    claims = _valid_claims(staff.id)
    claims["typ"] = typ
    assert_token_refused(_me(client, _sign(claims)))


# --- garbage: python-jose raises more than JWTError for some of these ----------------------


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("a.b.c", id="three-letters"),
        pytest.param("....", id="only-dots"),
        pytest.param("..", id="two-dots"),
        pytest.param("x", id="one-char"),
        pytest.param("Zm9vYmFyYmF6", id="base64-junk"),
        pytest.param("eyJ" * 40, id="base64-json-prefix-junk"),
        pytest.param(
            f"{_b64url(b'not json at all')}.{_b64url_json({'sub': 'x'})}.c2ln", id="non-json-header"
        ),
        pytest.param(f"{_b64url_json([1, 2])}.{_b64url_json({})}.c2ln", id="header-is-a-list"),
        pytest.param(f"{_b64url_json('HS256')}.{_b64url_json({})}.c2ln", id="header-is-a-string"),
        pytest.param(
            f"{_b64url_json({'alg': 'HS256'})}.{_b64url(bytes(range(256)))}.c2ln",
            id="binary-payload",
        ),
        pytest.param(f"{_b64url_json({'alg': 'HS256'})}.%%%.$$$", id="non-base64-segments"),
        pytest.param(f"{_b64url_json({'alg': 'RS256'})}.e30.c2ln", id="rs256-header-junk-sig"),
        pytest.param(f"{_b64url_json({'alg': 'ES256'})}.e30.c2ln", id="es256-header-junk-sig"),
        pytest.param(f"{_b64url_json({'alg': 'dir', 'enc': 'A256GCM'})}.e30.c2ln", id="jwe-header"),
        pytest.param(f"{_b64url_json({})}.e30.c2ln", id="header-without-alg"),
        pytest.param(f"{_b64url_json({'alg': None})}.e30.c2ln", id="alg-null"),
        pytest.param(f"{_b64url_json({'alg': ['HS256']})}.e30.c2ln", id="alg-list"),
        pytest.param("a.b.c.d.e", id="five-segments"),
    ],
)
def test_garbage_token_is_refused_not_a_server_error(client: TestClient, token: str) -> None:
    assert_token_refused(_me(client, token))


def test_valid_json_segments_signed_correctly_but_payload_a_list_is_refused(
    client: TestClient,
) -> None:
    token = _hs256({"alg": "HS256", "typ": "JWT"}, [1, 2, 3], signing_key().encode())  # type: ignore[arg-type]
    assert_token_refused(_me(client, token))


def test_correctly_signed_payload_that_is_not_json_is_refused(client: TestClient) -> None:
    signing_input = f"{_b64url_json({'alg': 'HS256'})}.{_b64url(b'{not json')}"
    signature = hmac.new(signing_key().encode(), signing_input.encode(), hashlib.sha256).digest()
    assert_token_refused(_me(client, f"{signing_input}.{_b64url(signature)}"))


# --- the user behind the token -----------------------------------------------------------


def test_token_for_a_deactivated_user_is_refused(
    client: TestClient, engine: Engine, staff: Person
) -> None:
    admin = make_person(engine, Role.admin)
    deactivated = client.patch(
        f"/api/v1/users/{staff.id}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert deactivated.status_code == 200, deactivated.text
    assert_token_refused(_me(client, staff.token))


def test_token_for_a_user_that_does_not_exist_is_refused(
    client: TestClient, engine: Engine
) -> None:
    assert_token_refused(_me(client, access_token_for(uuid.uuid4())))


def test_non_bearer_authorization_scheme_is_refused(client: TestClient, staff: Person) -> None:
    response = client.get(ME, headers={"Authorization": f"Basic {staff.token}"})
    assert_token_refused(response)


def test_refresh_token_used_as_a_bearer_token_is_refused(client: TestClient, staff: Person) -> None:
    signed_in = client.post(
        "/api/v1/auth/token", data={"username": staff.email, "password": staff.password}
    )
    assert signed_in.status_code == 200
    assert_token_refused(_me(client, signed_in.json()["refresh_token"]))
