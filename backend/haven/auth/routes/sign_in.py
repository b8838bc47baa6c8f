"""Signing in with a password, and what may follow it: the code of a second factor (or its
enrolment, for privileged roles that must have one), and a reset link's new password.

**Guessing is slowed, nobody is locked out** (the figures are in README, "Passwords"). Two
growing delays, both in this process's memory (:mod:`haven.core.backoff`; no address is
stored or logged):

* per client and account: ``HAVEN_AUTH_FREE_FAILURES`` (5) failures to one email from one
  client, then each further one waits ``HAVEN_AUTH_FIRST_DELAY_SECONDS`` (30), doubling up to
  the limits window (10 minutes); the right password clears it. A stranger elsewhere slows
  only themselves: the person signs in from their own device as usual. An unknown email
  counts exactly like an account (the answer never says which), and an administrator's
  unlock clears the account's delays in every process (:func:`passwords.unlock_sign_in`).
* per client, whatever the emails: ``HAVEN_LIMITS_SIGN_IN_FAILURES`` (10) failures, then the
  same growing waits, one failure forgotten every window / that count: spraying one password
  over many emails is slowed too, while a busy shared address keeps working.

On top, every attempt uses one of the client's ``HAVEN_LIMITS_SIGN_INS`` (a token bucket,
:mod:`haven.core.limits`), since each costs an argon2 verification, account or not.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from haven.auth import passwords, service, totp
from haven.auth.deps import Public
from haven.auth.password_schemas import (
    PasswordResetFinish,
    SecondFactorChallenge,
    SignInChallenge,
    SignInCode,
    SignInCompleted,
    TotpEnrolment,
)
from haven.auth.routes.guards import SameOriginOnly
from haven.auth.routes.sessions import token_response
from haven.auth.schemas import TokenResponse
from haven.core.backoff import ClientDelay, GrowingDelay, client_delay
from haven.core.errors import PROBLEM_MEDIA_TYPE, TooManyRequests, Unauthorized, problem_responses
from haven.core.http import HavenRoute, SessionDep
from haven.core.limits import client_limit, too_many
from haven.core.settings import get_settings

router = APIRouter(prefix="/auth", tags=["auth"], route_class=HavenRoute)

SIGN_INS_PER_CLIENT = client_limit("sign_ins")
CHALLENGE_RESPONSES: dict[int | str, dict[str, object]] = {
    **problem_responses(403, 422, 429, 503),
    401: {
        "model": SecondFactorChallenge,
        "content": {PROBLEM_MEDIA_TYPE: {}},
        "description": "Wrong credentials (`invalid-credentials`), or a right password that "
        "still needs a code (`second-factor-required`) or an enrolment "
        "(`second-factor-enrolment-required`): then `challenge` is set.",
    },
}


class SignInThrottled(TooManyRequests):
    type, title = "sign-in-throttled", "Too many failed sign-in attempts"

    def __init__(self, seconds: int) -> None:
        minutes = max(1, (seconds + 59) // 60)
        super().__init__(
            f"Too many failed sign-in attempts for this account from this device. Try again "
            f"in {minutes} minute(s), or ask an administrator to unlock your account.",
            headers={"Retry-After": str(max(1, seconds))},
        )


class SecondFactorRequired(Unauthorized):
    type, title = "second-factor-required", "Enter the code from your authenticator"

    def __init__(self, challenge: str, expires_in: int, *, enrol: bool = False) -> None:
        if enrol:
            self.type = "second-factor-enrolment-required"
            self.title = "Set up an authenticator"
        super().__init__(
            "Your role needs a second factor: set up an authenticator app to finish signing in."
            if enrol
            else "Enter the 6-digit code from your authenticator app, or a recovery code.",
            extensions={"challenge": challenge, "challenge_expires_in": expires_in},
        )


# --- growing delays ------------------------------------------------------------------------


def _client_policy() -> GrowingDelay | None:
    settings = get_settings()
    free = settings.limits.sign_in_failures
    if free <= 0:
        return None
    return GrowingDelay(
        name="sign_in_failures",
        free=free,
        first_seconds=settings.auth.first_delay_seconds,
        leak_seconds=settings.limits.window_minutes * 60 / free,
    )


def _account_policy() -> GrowingDelay:
    auth = get_settings().auth
    return GrowingDelay(
        name="sign_in_account_failures",
        free=auth.free_failures,
        first_seconds=auth.first_delay_seconds,
    )


class SignInDelays:
    """One attempt's two delays: this client's, and this client's on this account."""

    def __init__(self, request: Request, session: SessionDep, email: str) -> None:
        policy = _client_policy()
        self.client: ClientDelay | None = (
            client_delay(request, policy) if policy is not None else None
        )
        subject = passwords.sign_in_delay_subject(session, email)
        self.account = client_delay(request, _account_policy(), subject)

    def check(self) -> None:
        """Refuse (429) before any password is verified while either delay runs."""
        if self.client is not None:
            wait = self.client.wait_seconds()
            if wait:
                raise too_many(wait)
        wait = self.account.wait_seconds()
        if wait:
            raise SignInThrottled(wait)

    def failed(self) -> None:
        if self.client is not None:
            self.client.failed()
        self.account.failed()

    def succeeded(self) -> None:
        self.account.succeeded()


def password_grant(
    request: Request, session: SessionDep, response: Response, *, email: str, password: str
) -> TokenResponse:
    """The password step of ``POST /auth/token``: a session, or a 401 whose challenge leads
    to the code (or enrolment) step."""
    delays = SignInDelays(request, session, email)
    delays.check()
    try:
        user = service.authenticate(session, email=email, password=password)
    except service.InvalidCredentials:
        delays.failed()
        raise
    delays.succeeded()
    step = totp.next_step(session, user)
    if step is not totp.Step.session:
        challenge, expires_in = totp.issue_challenge(user, step)
        raise SecondFactorRequired(challenge, expires_in, enrol=step is totp.Step.enrol)
    return token_response(response, service.issue_tokens(session, user), request)


# --- the second step -----------------------------------------------------------------------


@router.post(
    "/sign-in/totp",
    response_model=TokenResponse,
    dependencies=[Public, SameOriginOnly, SIGN_INS_PER_CLIENT],
    responses=problem_responses(401, 403, 409, 422, 429),
    summary="Finish signing in with a code (or a recovery code) after the password",
)
def sign_in_with_code(
    data: SignInCode, request: Request, session: SessionDep, response: Response
) -> TokenResponse:
    user = totp.user_for_challenge(session, data.challenge, totp.Step.code)
    totp.verify_second_factor(session, user, code=data.code)
    service.record_sign_in(session, user)
    return token_response(response, service.issue_tokens(session, user), request)


@router.post(
    "/sign-in/totp-enrolment",
    response_model=TotpEnrolment,
    dependencies=[Public, SameOriginOnly, SIGN_INS_PER_CLIENT],
    responses=problem_responses(401, 403, 409, 422, 429),
    summary="Start the enrolment a privileged role must finish before signing in",
)
def start_enrolment_at_sign_in(data: SignInChallenge, session: SessionDep) -> TotpEnrolment:
    user = totp.user_for_challenge(session, data.challenge, totp.Step.enrol)
    enrolment = totp.start_enrolment(session, user)
    return TotpEnrolment(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post(
    "/sign-in/totp-enrolment/confirm",
    response_model=SignInCompleted,
    dependencies=[Public, SameOriginOnly, SIGN_INS_PER_CLIENT],
    responses=problem_responses(401, 403, 409, 422, 429),
    summary="Confirm the enrolment with a first code, and sign in",
)
def confirm_enrolment_at_sign_in(
    data: SignInCode, request: Request, session: SessionDep, response: Response
) -> SignInCompleted:
    user = totp.user_for_challenge(session, data.challenge, totp.Step.enrol)
    codes = totp.confirm_enrolment(session, user, code=data.code)
    service.record_sign_in(session, user)
    tokens = token_response(response, service.issue_tokens(session, user), request)
    return SignInCompleted(**tokens.model_dump(), recovery_codes=codes)


# --- a reset link's new password -----------------------------------------------------------


@router.post(
    "/password-reset",
    status_code=204,
    dependencies=[Public, SameOriginOnly, SIGN_INS_PER_CLIENT],
    responses=problem_responses(403, 422, 429),
    summary="Set a new password with the token of an emailed reset link (once)",
)
def finish_password_reset(
    data: Annotated[PasswordResetFinish, Body()], session: SessionDep
) -> None:
    service.require_password_sign_in()
    passwords.finish_password_reset(session, token=data.token, new_password=data.new_password)
