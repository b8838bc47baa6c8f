"""A person's own password and second factor (``/auth/password``, ``/auth/totp...``: anyone
signed in, for themselves only), and an administrator's reset link and unlock
(``/users/{user_id}/password-reset``, ``/users/{user_id}/unlock``).

The reset link is emailed through the notifications outbox, which this domain cannot import
(notifications sits above auth): the application hands it in as ``app.state.queue_email``
(:func:`haven.api.include_api`), a function ``(session, *, to_address, subject, body,
secret) -> bool``, false when email is not configured.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Protocol

from fastapi import APIRouter, Request, Response, status
from sqlmodel import Session

from haven.auth import passwords, service, totp
from haven.auth.deps import EVERYONE, Allow
from haven.auth.models import User
from haven.auth.password_schemas import (
    PasswordChange,
    PasswordResetSent,
    RecoveryCodes,
    TotpCode,
    TotpEnrolment,
    TotpStatus,
)
from haven.auth.routes.sessions import token_response
from haven.auth.routes.sign_in import SignInDelays
from haven.auth.schemas import Role, TokenResponse
from haven.core.errors import Conflict, NotFound, problem_responses
from haven.core.http import HavenRoute, SessionDep
from haven.core.security import Principal
from haven.core.settings import get_settings

router = APIRouter(route_class=HavenRoute)

SignedIn = Annotated[Principal, Allow(*EVERYONE)]
Admin = Annotated[Principal, Allow(Role.admin)]


def _me(session: Session, principal: Principal) -> User:
    user = session.get(User, principal.id)
    if user is None or not user.is_active:
        raise NotFound("No such user.")
    return user


# --- one's own password --------------------------------------------------------------------


@router.post(
    "/auth/password",
    response_model=TokenResponse,
    tags=["auth"],
    responses=problem_responses(401, 403, 404, 422, 429, 503),
    summary="Change your password; every other session of yours ends",
)
def change_password(
    data: PasswordChange,
    request: Request,
    session: SessionDep,
    principal: SignedIn,
    response: Response,
) -> TokenResponse:
    service.require_password_sign_in()
    # Guesses of the current password count like sign-in failures on the same account.
    delays = SignInDelays(request, session, passwords.email_of(session, principal))
    delays.check()
    try:
        user = passwords.change_password(
            session,
            principal,
            current_password=data.current_password,
            new_password=data.new_password,
        )
    except passwords.WrongPassword:
        delays.failed()
        raise
    delays.succeeded()
    return token_response(response, service.issue_tokens(session, user), request)


# --- one's own second factor ---------------------------------------------------------------


@router.get(
    "/auth/totp",
    response_model=TotpStatus,
    tags=["auth"],
    summary="Whether you have an authenticator, and whether your roles require one",
)
def read_totp(session: SessionDep, principal: SignedIn) -> TotpStatus:
    state = totp.state_of(session, principal.id)
    return TotpStatus(
        password_sign_in=get_settings().password_sign_in,
        enrolled=state.enrolled,
        required=state.required,
        recovery_codes_left=state.recovery_codes_left,
        enrolled_at=state.enrolled_at,
    )


@router.post(
    "/auth/totp/enrolment",
    response_model=TotpEnrolment,
    tags=["auth"],
    responses=problem_responses(403, 404, 409),
    summary="Start setting up an authenticator: its secret, shown this once",
)
def start_totp_enrolment(session: SessionDep, principal: SignedIn) -> TotpEnrolment:
    service.require_password_sign_in()
    enrolment = totp.start_enrolment(session, _me(session, principal))
    return TotpEnrolment(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post(
    "/auth/totp/enrolment/confirm",
    response_model=RecoveryCodes,
    tags=["auth"],
    responses=problem_responses(401, 404, 409, 422, 429),
    summary="Confirm the authenticator with a first code; get recovery codes, shown once",
)
def confirm_totp_enrolment(
    data: TotpCode, session: SessionDep, principal: SignedIn
) -> RecoveryCodes:
    codes = totp.confirm_enrolment(session, _me(session, principal), code=data.code)
    return RecoveryCodes(recovery_codes=codes)


@router.post(
    "/auth/totp/recovery-codes",
    response_model=RecoveryCodes,
    tags=["auth"],
    responses=problem_responses(401, 404, 409, 422, 429),
    summary="Replace your recovery codes (the old ones stop working), with a current code",
)
def replace_recovery_codes(
    data: TotpCode, session: SessionDep, principal: SignedIn
) -> RecoveryCodes:
    codes = totp.regenerate_recovery_codes(session, _me(session, principal), code=data.code)
    return RecoveryCodes(recovery_codes=codes)


@router.post(
    "/auth/totp/turn-off",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["auth"],
    responses=problem_responses(401, 404, 409, 422, 429),
    summary="Remove your authenticator, with a current code (not when your roles need one)",
)
def turn_off_totp(data: TotpCode, session: SessionDep, principal: SignedIn) -> None:
    totp.turn_off(session, _me(session, principal), code=data.code)


# --- an administrator's reset link and unlock ----------------------------------------------


class QueueEmail(Protocol):
    def __call__(
        self, session: Session, *, to_address: str, subject: str, body: str, secret: bool
    ) -> bool: ...


class EmailNotConfigured(Conflict):
    type, title = "email-not-configured", "Email is not set up"

    def __init__(self) -> None:
        super().__init__(
            "Haven cannot send email (HAVEN_SMTP_HOST is not set), so it cannot send a reset "
            "link. Nothing was changed."
        )


def _reset_email(link: passwords.ResetLink) -> tuple[str, str]:
    settings = get_settings()
    url = f"{settings.public_url.rstrip('/')}/reset-password#token={link.token}"
    minutes = settings.auth.password_reset_minutes
    body = (
        f"Hello {link.display_name},\n\n"
        "An administrator of Haven asked for a link that lets you choose a new password:\n\n"
        f"{url}\n\n"
        f"It works once, for {minutes} minutes. Haven never sends passwords, and nobody "
        "from the hospital will ask you for yours.\n\n"
        "If you did not expect this, tell your administrator; your password has not changed.\n"
    )
    return "Haven: choose a new password", body


@router.post(
    "/users/{user_id}/password-reset",
    response_model=PasswordResetSent,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["users"],
    responses=problem_responses(403, 404, 409),
    summary="Email the person a single-use link to choose a new password",
)
def send_password_reset(
    user_id: uuid.UUID, request: Request, session: SessionDep, principal: Admin
) -> PasswordResetSent:
    service.require_password_sign_in()
    link = passwords.start_password_reset(session, principal, user_id=user_id)
    subject, body = _reset_email(link)
    queue: QueueEmail = request.app.state.queue_email
    if not queue(session, to_address=link.email, subject=subject, body=body, secret=True):
        raise EmailNotConfigured()
    return PasswordResetSent(expires_at=link.expires_at)


@router.post(
    "/users/{user_id}/unlock",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["users"],
    responses=problem_responses(404),
    summary="Clear the person's sign-in delays (password and second factor), everywhere",
)
def unlock_sign_in(user_id: uuid.UUID, session: SessionDep, principal: Admin) -> None:
    passwords.unlock_sign_in(session, principal, user_id=user_id)
