"""Auth endpoints: sign-in (password grant, refresh rotation, sign-out) under ``/auth``, and
the admin's API keys (and their confirmation by a second administrator) under ``/api-keys``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Cookie, Depends, Query, Request, Response, status

from haven.auth import service
from haven.auth.deps import Allow, Idempotent, Public
from haven.auth.routes.grants import TokenRequestForm, required_field
from haven.auth.routes.guards import SameOriginOnly
from haven.auth.routes.sessions import REFRESH_COOKIE, clear_refresh_cookie
from haven.auth.routes.sessions import token_response as _token_response
from haven.auth.routes.sign_in import CHALLENGE_RESPONSES, password_grant
from haven.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    ApiKeyStatus,
    RefreshRequest,
    Role,
    TokenResponse,
)
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, IfMatchHeader, SessionDep, set_etag
from haven.core.limits import client_limit
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal

router = APIRouter(prefix="/auth", tags=["auth"], route_class=HavenRoute)
api_keys_router = APIRouter(prefix="/api-keys", tags=["api-keys"], route_class=HavenRoute)

RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, max_length=256)]
# Every sign-in costs an argon2 verification, account or not: counted per client (in memory,
# by a key that forgets the address; haven.core.limits), besides the growing delays of
# failures (haven.auth.routes.sign_in).
SIGN_INS_PER_CLIENT = client_limit("sign_ins")


@router.post(
    "/token",
    response_model=TokenResponse,
    # A browser's cross-site post is refused (login CSRF; haven.auth.routes.guards).
    dependencies=[Public, SameOriginOnly, SIGN_INS_PER_CLIENT],
    responses=CHALLENGE_RESPONSES,
    summary="Sign in with email and password (OAuth2 password grant), or refresh "
    "(grant_type=refresh_token)",
)
def sign_in(
    form: Annotated[TokenRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    response: Response,
) -> TokenResponse:
    if form.grant_type == "refresh_token":
        # RFC 6749 6, for stock OAuth2 clients: the refresh token from the form body only
        # (never the cookie), answered exactly as POST /auth/refresh answers.
        raw = required_field("refresh_token", form.refresh_token)
        tokens = service.rotate_refresh_token(session, raw_token=raw)
        return _token_response(response, tokens, request)
    service.require_password_sign_in()
    email = required_field("username", form.username)
    password = required_field("password", form.password)
    # Growing delays of failures, and the second factor's step (haven.auth.routes.sign_in).
    return password_grant(request, session, response, email=email, password=password)


@router.post(
    "/refresh",
    response_model=TokenResponse,
    dependencies=[Public, SameOriginOnly],
    responses=problem_responses(401, 403),
    summary="Exchange a refresh token (body or cookie) for new tokens",
)
def refresh(
    request: Request,
    session: SessionDep,
    response: Response,
    refresh_cookie: RefreshCookie = None,
    payload: Annotated[RefreshRequest | None, Body()] = None,
) -> TokenResponse:
    raw = (payload.refresh_token if payload else None) or refresh_cookie
    tokens = service.rotate_refresh_token(session, raw_token=raw)
    return _token_response(response, tokens, request)


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
    clear_refresh_cookie(response)


# --- API keys ------------------------------------------------------------------------------

Admin = Annotated[Principal, Allow(Role.admin)]
Paging = Annotated[PageParams, Depends(page_params)]


@api_keys_router.get("", response_model=Page[ApiKeyRead])
def list_api_keys(
    session: SessionDep,
    _: Admin,
    paging: Paging,
    status: Annotated[
        ApiKeyStatus | None,
        Query(description="Only keys in this state (`pending`: still open to confirmation)."),
    ] = None,
) -> Page[ApiKeyRead]:
    items, cursor = service.list_api_keys(session, params=paging, status=status)
    return Page(items=items, next_cursor=cursor)


@api_keys_router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Idempotent],
    responses=problem_responses(409, 422),
    summary="Create a key; one that reads content waits for a second administrator",
)
def create_api_key(
    data: ApiKeyCreate, session: SessionDep, principal: Admin, response: Response
) -> ApiKeyCreated:
    key = service.create_api_key(session, principal, data=data)
    set_etag(response, key.version)
    response.headers["Location"] = f"/api/v1/api-keys/{key.id}"
    return key


@api_keys_router.get(
    "/{api_key_id}",
    response_model=ApiKeyRead,
    responses=problem_responses(404),
)
def read_api_key(
    api_key_id: uuid.UUID, session: SessionDep, _: Admin, response: Response
) -> ApiKeyRead:
    key = service.get_api_key(session, api_key_id)
    set_etag(response, key.version)
    return key


@api_keys_router.post(
    "/{api_key_id}/confirm",
    response_model=ApiKeyRead,
    responses=problem_responses(403, 404, 409, 412, 428),
    summary="Confirm a pending key (another administrator than its creator)",
)
def confirm_api_key(
    api_key_id: uuid.UUID,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ApiKeyRead:
    key = service.confirm_api_key(session, principal, api_key_id=api_key_id, if_match=if_match)
    set_etag(response, key.version)
    return key


@api_keys_router.post(
    "/{api_key_id}/reject",
    response_model=ApiKeyRead,
    responses=problem_responses(403, 404, 409, 412, 428),
    summary="Reject a pending key (another administrator than its creator)",
)
def reject_api_key(
    api_key_id: uuid.UUID,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ApiKeyRead:
    key = service.reject_api_key(session, principal, api_key_id=api_key_id, if_match=if_match)
    set_etag(response, key.version)
    return key


@api_keys_router.post(
    "/{api_key_id}/cancel",
    response_model=ApiKeyRead,
    responses=problem_responses(403, 404, 409, 412, 428),
    summary="Withdraw your own pending key",
)
def cancel_api_key(
    api_key_id: uuid.UUID,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ApiKeyRead:
    key = service.cancel_api_key(session, principal, api_key_id=api_key_id, if_match=if_match)
    set_etag(response, key.version)
    return key


@api_keys_router.delete(
    "/{api_key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
def revoke_api_key(api_key_id: uuid.UUID, session: SessionDep, principal: Admin) -> None:
    service.revoke_api_key(session, principal, api_key_id=api_key_id)
