"""Sign-in endpoints: password grant, refresh rotation, sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Cookie, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from haven.auth import service
from haven.auth.deps import Public
from haven.auth.schemas import RefreshRequest, TokenResponse
from haven.core.errors import problem_responses
from haven.core.http import API_PREFIX, HavenRoute, SessionDep
from haven.core.limits import client_limit
from haven.core.settings import get_settings

router = APIRouter(prefix="/auth", tags=["auth"], route_class=HavenRoute)

REFRESH_COOKIE = "haven_refresh"
REFRESH_COOKIE_PATH = f"{API_PREFIX}/auth"


def _token_response(response: Response, tokens: service.IssuedTokens) -> TokenResponse:
    settings = get_settings().auth
    response.set_cookie(
        REFRESH_COOKIE,
        tokens.refresh_token,
        max_age=settings.refresh_token_days * 86400,
        path=REFRESH_COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return TokenResponse(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
    )


RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, max_length=256)]
# Every sign-in costs an argon2 verification, account or not: counted per client (in memory,
# by a key that forgets the address; haven.core.limits) as well as per email (stored).
SIGN_INS_PER_CLIENT = client_limit("sign_ins")


@router.post(
    "/token",
    response_model=TokenResponse,
    dependencies=[Public, SIGN_INS_PER_CLIENT],
    responses=problem_responses(401, 422, 429, 503),
    summary="Sign in with email and password (OAuth2 password grant)",
)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    response: Response,
) -> TokenResponse:
    user = service.authenticate(session, email=form.username, password=form.password)
    return _token_response(response, service.issue_tokens(session, user))


@router.post(
    "/refresh",
    response_model=TokenResponse,
    dependencies=[Public],
    responses=problem_responses(401),
    summary="Exchange a refresh token (body or cookie) for new tokens",
)
def refresh(
    session: SessionDep,
    response: Response,
    refresh_cookie: RefreshCookie = None,
    payload: Annotated[RefreshRequest | None, Body()] = None,
) -> TokenResponse:
    raw = (payload.refresh_token if payload else None) or refresh_cookie
    return _token_response(response, service.rotate_refresh_token(session, raw_token=raw))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Public],
    summary="Sign out: revoke the refresh token's session and clear the cookie",
)
def sign_out(
    session: SessionDep,
    response: Response,
    refresh_cookie: RefreshCookie = None,
    payload: Annotated[RefreshRequest | None, Body()] = None,
) -> None:
    raw = (payload.refresh_token if payload else None) or refresh_cookie
    service.revoke_session(session, raw_token=raw)
    settings = get_settings().auth
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
