"""Single sign-on endpoints (the rules are in :mod:`haven.auth.oidc` and
:mod:`haven.auth.identities`), all public:

* ``GET /auth/methods``: which sign-in methods are on, for the sign-in page;
* ``GET /auth/oidc/start``: sends the browser to the identity provider, with the flow's
  cookie (HttpOnly, Secure, SameSite=Lax, path ``/api/v1/auth/oidc``, 10 minutes);
* ``GET /auth/oidc/callback``: where the provider sends the browser back. On success it
  clears the flow cookie, sets the session's refresh cookie exactly as the password sign-in
  does, and sends the browser to the web client (the page asked for at the start, else
  ``/``), which then takes its access token with ``POST /auth/refresh`` as on any page load.

A refused callback is a problem (400, 401, 403, 409 or 503; see the modules above) for an API
caller; a browser (``Accept: text/html``) is sent instead to the web client's sign-in page
with ``?sso_error=<problem type>``, which says what happened in plain words. Every callback
counts as a sign-in attempt against the client's allowance (``HAVEN_LIMITS_SIGN_INS``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import RedirectResponse

from haven.auth import service
from haven.auth.deps import Public
from haven.auth.oidc import FLOW_LIFETIME
from haven.auth.router import SIGN_INS_PER_CLIENT
from haven.auth.routes.sessions import set_refresh_cookie
from haven.auth.schemas import SignInMethods
from haven.core.errors import AppError, problem_responses
from haven.core.http import API_PREFIX, HavenRoute, SessionDep
from haven.core.settings import get_settings

router = APIRouter(prefix="/auth", tags=["auth"], route_class=HavenRoute)

FLOW_COOKIE = "haven_oidc_flow"
FLOW_COOKIE_PATH = f"{API_PREFIX}/auth/oidc"
SIGN_IN_PAGE = "/sign-in"


def _set_flow_cookie(response: Response, flow_token: str) -> None:
    response.set_cookie(
        FLOW_COOKIE,
        flow_token,
        max_age=int(FLOW_LIFETIME.total_seconds()),
        path=FLOW_COOKIE_PATH,
        secure=get_settings().auth.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _clear_flow_cookie(response: Response) -> None:
    response.delete_cookie(
        FLOW_COOKIE,
        path=FLOW_COOKIE_PATH,
        secure=get_settings().auth.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _wants_page(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


@router.get(
    "/methods",
    response_model=SignInMethods,
    dependencies=[Public],
    summary="How people sign in here: password, single sign-on, or both",
)
def sign_in_methods() -> SignInMethods:
    return service.sign_in_methods()


@router.get(
    "/oidc/start",
    status_code=302,
    response_class=RedirectResponse,
    dependencies=[Public],
    responses={
        302: {"description": "To the identity provider's sign-in page."},
        **problem_responses(404, 503),
    },
    summary="Begin single sign-on: redirects the browser to the identity provider",
)
def start_sso(
    return_to: Annotated[
        str | None,
        Query(max_length=512, description="A path of the web client to land on afterwards."),
    ] = None,
) -> RedirectResponse:
    started = service.begin_sign_in(return_to=return_to)
    response = RedirectResponse(started.url, status_code=302)
    _set_flow_cookie(response, started.flow_token)
    return response


@router.get(
    "/oidc/callback",
    status_code=303,
    response_class=RedirectResponse,
    dependencies=[Public, SIGN_INS_PER_CLIENT],
    responses={
        303: {
            "description": "Signed in: to the web client (or, for a browser, its sign-in "
            "page with `?sso_error=`)."
        },
        **problem_responses(400, 401, 403, 404, 409, 429, 503),
    },
    summary="Finish single sign-on: the identity provider sends the browser back here",
)
def finish_sso(
    request: Request,
    session: SessionDep,
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=128)] = None,
    iss: Annotated[str | None, Query(max_length=255)] = None,
    flow: Annotated[str | None, Cookie(alias=FLOW_COOKIE, max_length=4096)] = None,
) -> RedirectResponse:
    try:
        user, return_to = service.sign_in_with_provider(
            session, flow_token=flow, state=state, code=code, error=error, issuer=iss
        )
    except AppError as exc:
        # Refusals come before any write, so nothing is left half done either way.
        if not _wants_page(request):
            cleared = Response()
            _clear_flow_cookie(cleared)
            exc.headers["set-cookie"] = cleared.headers["set-cookie"]
            raise
        query = urlencode({"sso_error": exc.type})
        refused = RedirectResponse(f"{SIGN_IN_PAGE}?{query}", status_code=303)
        _clear_flow_cookie(refused)
        return refused
    tokens = service.issue_tokens(session, user)
    response = RedirectResponse(return_to, status_code=303)
    _clear_flow_cookie(response)
    set_refresh_cookie(response, tokens.refresh_token)
    return response
