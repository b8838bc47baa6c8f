"""Wire models of passwords and the second factor (see :mod:`haven.auth.passwords` and
:mod:`haven.auth.totp`): requests, answers, and the problems of a two-step sign-in."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from haven.auth.schemas import TokenResponse
from haven.core.errors import Problem
from haven.core.schemas import RequestModel, ResponseModel


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(
        min_length=1,
        max_length=128,
        description="At least 12 characters; not a common password, not your email.",
    )


class PasswordResetFinish(RequestModel):
    token: str = Field(
        min_length=16, max_length=128, description="The token from the emailed link."
    )
    new_password: str = Field(
        min_length=1,
        max_length=128,
        description="At least 12 characters; not a common password, not your email.",
    )


class PasswordResetSent(ResponseModel):
    expires_at: datetime = Field(description="When the emailed link stops working.")


class SecondFactorChallenge(Problem):
    """The 401 of a right password when a code is still needed: the problem, plus what the
    second step sends back."""

    challenge: str = Field(description="Send it back with the code; it expires soon.")
    challenge_expires_in: int = Field(description="Seconds the challenge lasts.")


class SignInCode(RequestModel):
    challenge: str = Field(min_length=1, max_length=2048)
    code: str = Field(
        min_length=1,
        max_length=32,
        description="The 6-digit code of the authenticator, or a recovery code.",
    )


class SignInChallenge(RequestModel):
    challenge: str = Field(min_length=1, max_length=2048)


class TotpCode(RequestModel):
    code: str = Field(min_length=1, max_length=32, description="A current 6-digit code.")


class TotpEnrolment(ResponseModel):
    """Shown once: the authenticator app takes the URI (as a QR code) or the secret."""

    secret: str = Field(description="Base32, for typing into an authenticator app.")
    otpauth_uri: str = Field(description="The `otpauth://totp/...` URI, for a QR code.")


class RecoveryCodes(ResponseModel):
    recovery_codes: list[str] = Field(
        description="Shown once: each works once, in place of a code, when the "
        "authenticator is not at hand."
    )


class SignInCompleted(TokenResponse):
    recovery_codes: list[str] | None = Field(
        default=None,
        description="Right after an enrolment at sign-in: the recovery codes, shown once.",
    )


class TotpStatus(ResponseModel):
    password_sign_in: bool = Field(
        description="Whether passwords are on at all (`HAVEN_PASSWORD_SIGN_IN`); when off, "
        "people sign in with the hospital's identity provider and none of this applies."
    )
    enrolled: bool
    required: bool = Field(description="Whether the person's roles require a second factor.")
    recovery_codes_left: int
    enrolled_at: datetime | None
