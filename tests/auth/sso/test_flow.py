"""The whole single sign-on flow through the provider's own page, and what the callback
refuses: another browser's or a used flow, a provider that said no, a mix-up."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from jose import jwt
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.models import UserIdentity
from haven.core import clock
from haven.core.db import new_session
from haven.core.security import encode_token
from tests.auth.sso.conftest import CALLBACK, Sso, staff_claims
from tests.core.test_http import assert_problem


def test_a_person_signs_in_through_the_provider_and_gets_a_haven_session(
    sso: Sso, engine: Engine
) -> None:
    sub = sso.person(**staff_claims(name="Robin Sso"))

    signed_in = sso.sign_in(sub, return_to="/reports/new")

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/reports/new"
    cookies = signed_in.headers.get_list("set-cookie")
    refresh = next(c for c in cookies if c.startswith("haven_refresh="))
    assert "HttpOnly" in refresh and "Secure" in refresh and "SameSite=strict" in refresh
    assert "Path=/api/v1/auth" in refresh
    assert any(c.startswith("haven_oidc_flow=") and "Max-Age=0" in c for c in cookies)
    me = sso.me()
    assert me["display_name"] == "Robin Sso"
    assert me["roles"] == ["staff"]
    with new_session(engine) as session:
        identity = session.exec(select(UserIdentity)).one()
        assert (identity.issuer, identity.subject) == (sso.provider.issuer, sub)
        assert identity.user_id.hex == me["id"].replace("-", "")


def test_the_start_sends_pkce_state_and_nonce_and_keeps_them_in_a_lax_cookie(sso: Sso) -> None:
    started = sso.client.get("/api/v1/auth/oidc/start", follow_redirects=False)

    url = urlsplit(started.headers["location"])
    assert f"{url.scheme}://{url.netloc}" == sso.provider.issuer
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == sso.provider.client_id
    assert query["redirect_uri"] == CALLBACK
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43
    assert set(query["scope"].split()) >= {"openid", "email", "profile"}
    assert "code_verifier" not in query
    flow = started.headers["set-cookie"]
    assert flow.startswith("haven_oidc_flow=")
    assert "HttpOnly" in flow and "Secure" in flow and "SameSite=lax" in flow
    assert "Path=/api/v1/auth/oidc" in flow and "Max-Age=600" in flow


def test_a_return_path_elsewhere_lands_on_the_home_page(sso: Sso) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "/api/v1/me"):
        sub = sso.person(**staff_claims())
        signed_in = sso.sign_in(sub, return_to=elsewhere)
        assert signed_in.headers["location"] == "/", elsewhere
        sso.client.cookies.clear()


def test_a_callback_without_this_browsers_flow_is_refused(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    callback = sso.back_from_provider(sub)
    sso.client.cookies.clear()  # another browser: the attacker's code in the victim's browser

    refused = sso.client.get(callback, follow_redirects=False)

    assert assert_problem(refused, 400)["type"].endswith(":sso-state-invalid")
    assert "haven_refresh" not in refused.headers.get("set-cookie", "")


def test_a_callback_with_another_state_is_refused(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    callback = sso.back_from_provider(sub)
    path, _, query = callback.partition("?")
    params = parse_qs(query)
    state = params["state"][0]
    params["state"] = [("y" if state[0] == "x" else "x") + state[1:]]  # always another state
    forged = path + "?" + "&".join(f"{k}={v[0]}" for k, v in params.items())

    refused = sso.client.get(forged, follow_redirects=False)

    assert assert_problem(refused, 400)["type"].endswith(":sso-state-invalid")


def test_a_used_callback_cannot_be_replayed(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    callback = sso.back_from_provider(sub)
    flow_cookie = sso.client.cookies["haven_oidc_flow"]
    assert sso.client.get(callback, follow_redirects=False).status_code == 303

    # The same browser: its flow cookie was cleared by the first use.
    replayed = sso.client.get(callback, follow_redirects=False)
    assert assert_problem(replayed, 400)["type"].endswith(":sso-state-invalid")

    # Someone who kept the flow cookie too: the provider issues a code once.
    sso.client.cookies.clear()
    sso.client.cookies.set("haven_oidc_flow", flow_cookie)
    replayed = sso.client.get(callback, follow_redirects=False)
    assert assert_problem(replayed, 401)["type"].endswith(":sso-denied")
    assert "haven_refresh" not in replayed.headers.get("set-cookie", "")


def test_a_person_who_denies_at_the_provider_is_told_so(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    sent_back = sso.provider.sign_in_at_provider(sso.start(), sub, deny=True)
    parts = urlsplit(sent_back)
    assert parse_qs(parts.query)["error"] == ["access_denied"]

    refused = sso.client.get(f"{parts.path}?{parts.query}", follow_redirects=False)

    body = assert_problem(refused, 401)
    assert body["type"].endswith(":sso-denied")
    assert "cancelled or refused" in body["detail"]


def test_a_browser_is_sent_to_the_sign_in_page_with_the_reason(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    callback = sso.back_from_provider(sub)
    sso.client.cookies.clear()

    refused = sso.client.get(
        callback, follow_redirects=False, headers={"Accept": "text/html,application/xhtml+xml"}
    )

    assert refused.status_code == 303
    assert refused.headers["location"] == "/sign-in?sso_error=sso-state-invalid"


def test_an_answer_naming_another_issuer_is_refused(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    callback = sso.back_from_provider(sub)

    mixed_up = sso.client.get(
        callback + "&iss=https%3A%2F%2Fother-provider.example", follow_redirects=False
    )

    assert assert_problem(mixed_up, 401)["type"].endswith(":sso-denied")
    assert sso.provider.token_requests == 0


def test_a_tampered_or_stale_flow_cookie_is_refused(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    callback = sso.back_from_provider(sub)
    flow_cookie = sso.client.cookies["haven_oidc_flow"]

    sso.client.cookies.set("haven_oidc_flow", flow_cookie[:-4] + "AAAA")
    tampered = sso.client.get(callback, follow_redirects=False)
    assert assert_problem(tampered, 400)["type"].endswith(":sso-state-invalid")

    later = clock.now() + timedelta(minutes=11)
    clock.set_clock(lambda: later)
    sso.client.cookies.set("haven_oidc_flow", flow_cookie)
    stale = sso.client.get(callback, follow_redirects=False)
    assert assert_problem(stale, 400)["type"].endswith(":sso-state-invalid")
    assert sso.provider.token_requests == 0


def test_the_code_is_redeemed_only_with_this_flows_pkce_verifier(sso: Sso) -> None:
    sub = sso.person(**staff_claims())
    callback = sso.back_from_provider(sub)
    flow = jwt.get_unverified_claims(sso.client.cookies["haven_oidc_flow"])
    # A flow cookie Haven would sign, but with another verifier than the challenge was
    # made from: the provider refuses the code.
    forged = encode_token(
        subject=flow["sub"],
        audience=flow["aud"],
        token_type=flow["typ"],
        lifetime=timedelta(minutes=5),
        extra={k: flow[k] for k in ("state", "nonce", "return_to")} | {"verifier": "v" * 64},
    )
    sso.client.cookies.set("haven_oidc_flow", forged)

    refused = sso.client.get(callback, follow_redirects=False)

    assert assert_problem(refused, 401)["type"].endswith(":sso-denied")
    assert sso.provider.token_requests == 1
