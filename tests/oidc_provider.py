"""A real OpenID Connect provider for the tests: ``oidc-provider-mock`` (Flask and Authlib,
a standard-conforming provider with its own sign-in page) served by werkzeug in a thread on a
free port, made strict where the mock is lenient, with the hooks the attack tests need.

The mock accepts any client and any redirect URI and does not check PKCE; this wrapper makes
it check what a hospital's provider checks (Flask hooks on the mock's own app):

* the authorization request: this client id, exactly this redirect URI, PKCE with ``S256``;
* the token request: this client's secret (``client_secret_basic``), and the code verifier
  against the challenge the code was issued for (Authlib's own S256 function);
* the mock already issues each code once and requires a nonce.

Hooks for the tests: ``extra_keys`` are published in the JWKS beside the provider's own key
from the next fetch on (a key rolled in); ``replace_id_token`` swaps the id
token the token endpoint returns (the attack tests' forged, expired, wrong-audience... tokens
then reach Haven exactly as a real answer would); ``jwks_fetches`` counts key-set requests.

Run on its own for the browser tests (``python -m tests.oidc_provider --port N ...``, see
``main``): the same strict provider, with the people who may sign in given as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import httpx
from werkzeug.serving import WSGIRequestHandler, make_server

# The provider runs over http on 127.0.0.1; Authlib refuses that unless told.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the mock imports authlib.jose, deprecated there
    import oidc_provider_mock
    from authlib.oauth2.rfc7636 import create_s256_code_challenge


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class Provider:
    """The running provider, and what a test may change or read while it runs."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    extra_keys: list[dict[str, Any]] = field(default_factory=list)
    replace_id_token: Callable[[str], str] | None = None
    jwks_fetches: int = 0
    token_requests: int = 0
    _challenges: dict[str, str] = field(default_factory=dict)

    def add_user(self, sub: str, **claims: Any) -> None:
        """The person ``sub`` and the claims their id token carries."""
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def reset(self) -> None:
        self.extra_keys.clear()
        self.replace_id_token = None
        self.jwks_fetches = 0
        self.token_requests = 0

    def sign_in_at_provider(self, authorize_url: str, sub: str, *, deny: bool = False) -> str:
        """What a person does on the provider's own page: open it, then press Authorize
        (or Deny). Returns where the provider sends the browser back."""
        page = httpx.get(authorize_url, timeout=5)
        assert page.status_code == 200, page.text
        assert "Authorize" in page.text
        form = {"action": "deny"} if deny else {"sub": sub}
        answer = httpx.post(authorize_url, data=form, timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


def _oauth_error(error: str, description: str) -> flask.Response:
    response = flask.jsonify({"error": error, "error_description": description})
    response.status_code = 400
    return response


def _install_strictness(app: flask.Flask, provider: Provider) -> None:
    @app.before_request
    def check_request() -> flask.Response | None:
        request = flask.request
        if request.path == "/oauth2/authorize":
            args = request.args
            if args.get("client_id") != provider.client_id:
                return _oauth_error("invalid_client", "unknown client")
            if args.get("redirect_uri") != provider.redirect_uri:
                return _oauth_error("invalid_request", "redirect_uri not registered")
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                return _oauth_error("invalid_request", "PKCE with S256 is required")
        if request.path == "/oauth2/token":
            provider.token_requests += 1
            auth = request.authorization
            if (
                auth is None
                or auth.type != "basic"
                or auth.username != provider.client_id
                or auth.password != provider.client_secret
            ):
                response = _oauth_error("invalid_client", "client authentication failed")
                response.status_code = 401
                return response
            if request.form.get("grant_type") == "authorization_code":
                challenge = provider._challenges.pop(request.form.get("code", ""), None)
                verifier = request.form.get("code_verifier", "")
                if challenge is None or create_s256_code_challenge(verifier) != challenge:
                    return _oauth_error("invalid_grant", "code verifier does not match")
        return None

    @app.after_request
    def adjust_response(response: flask.Response) -> flask.Response:
        request = flask.request
        if request.path == "/oauth2/authorize" and response.status_code == 302:
            sent_back = parse_qs(urlsplit(response.headers.get("Location", "")).query)
            if "code" in sent_back:
                provider._challenges[sent_back["code"][0]] = request.args["code_challenge"]
        if request.path == "/jwks" and response.status_code == 200:
            provider.jwks_fetches += 1
            keys = response.get_json()
            keys["keys"] += provider.extra_keys
            response.set_data(json.dumps(keys))
        if request.path == "/oauth2/token" and response.status_code == 200:
            hook = provider.replace_id_token
            body = response.get_json()
            if hook is not None and isinstance(body, dict) and "id_token" in body:
                body["id_token"] = hook(body["id_token"])
                response.set_data(json.dumps(body))
        return response


@contextmanager
def running_provider(
    *,
    redirect_uri: str,
    client_id: str = "haven-tests",
    client_secret: str = "provider-secret-for-tests",
    host: str = "127.0.0.1",
    port: int = 0,
    users: dict[str, dict[str, Any]] | None = None,
) -> Iterator[Provider]:
    app = oidc_provider_mock.app(require_nonce=True)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    provider = Provider(
        issuer=f"http://{host}:{server.server_port}",
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
    )
    _install_strictness(app, provider)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        for sub, claims in (users or {}).items():
            provider.add_user(sub, **claims)
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def main() -> None:
    """The browser tests' provider: serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument(
        "--users", default="{}", help='JSON {"sub": {claims}}: the people who may sign in'
    )
    args = parser.parse_args()
    with running_provider(
        redirect_uri=args.redirect_uri,
        client_id=args.client_id,
        client_secret=args.client_secret,
        port=args.port,
        users=json.loads(args.users),
    ) as provider:
        print(f"OIDC provider at {provider.issuer}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
