"""How a new session reaches its caller: the access token in the body, the refresh token in
an HttpOnly, Secure, SameSite=Strict cookie scoped to ``/api/v1/auth`` and, for callers that
are not browsers only, in the body too (see :mod:`haven.auth.routes.guards`)."""

from __future__ import annotations

from fastapi import Request, Response

from haven.auth import service
from haven.auth.routes.guards import is_browser
from haven.auth.schemas import TokenResponse
from haven.core.http import API_PREFIX
from haven.core.settings import get_settings

REFRESH_COOKIE = "haven_refresh"
REFRESH_COOKIE_PATH = f"{API_PREFIX}/auth"


def set_refresh_cookie(response: Response, refresh_token: str) -> None:
    settings = get_settings().auth
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=settings.refresh_token_days * 86400,
        path=REFRESH_COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


def clear_refresh_cookie(response: Response) -> None:
    settings = get_settings().auth
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


def token_response(
    response: Response, tokens: service.IssuedTokens, request: Request | None = None
) -> TokenResponse:
    """The answer that starts or renews a session. Without ``request`` the caller is taken
    for a browser: the refresh token goes in the cookie only."""
    set_refresh_cookie(response, tokens.refresh_token)
    to_script = request is not None and not is_browser(request)
    return TokenResponse(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token if to_script else None,
    )
