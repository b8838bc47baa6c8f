"""Passwords, when they are on: the policy, a person's own change, the reset link an
administrator has emailed, and the administrator's unlock of sign-in delays.

**Policy** (NIST SP 800-63B 5.1.1.2): length, not composition. At least 12 characters, at
most 128, any characters; refused when it is on :data:`COMMON_PASSWORDS`, is the account's
email (or the part before the ``@``), or is one character repeated. No expiry and no
composition rules: they push people to predictable patterns.

**Changing one's password** needs the current one. It ends every session of the person:
every refresh token is revoked and every access token already issued stops working at once
(:func:`haven.auth.sessions.end_sessions`: the session epoch every request checks); the
router then hands the caller a fresh session, so the device that made the change stays
signed in and every other one is signed out. Guesses of the current password count towards
the same sign-in delays as the sign-in form (a stolen access token is no faster way to try
passwords).

**Reset links.** An administrator never sees, sets or sends a password: they ask Haven to
email the person a link (:func:`start_password_reset`) that holds a 256-bit token, stored
only as SHA-256, usable once, for ``HAVEN_AUTH_PASSWORD_RESET_MINUTES`` (30). A new link
voids the person's earlier ones, and so does any change of password. Using it
(:func:`finish_password_reset`) sets the new password, ends every session, and clears the
account's sign-in delays; a second factor, when enrolled, is still asked at the next sign-in.
The email goes through the notifications outbox (queued in the request's transaction, sent
after commit by the periodic jobs); its body is emptied once sent, so the token is not left
in the database. The link carries the token in its fragment (``#token=``), which browsers do
not send to servers or put in ``Referer``. Residual risk, by design: an administrator who
changes a person's email can then send that person's reset link to themselves; the audit
log names both steps, and an enrolled second factor still stands in their way.

**Unlock.** Sign-in delays live in each process's memory (see :mod:`haven.auth` and
:mod:`haven.core.backoff`); the account's ``sign_in_delay_epoch`` is part of what they are
keyed by, so bumping it (:func:`unlock_sign_in`) clears them in every process at once. It
also clears the second factor's stored delay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth.common_passwords import COMMON_PASSWORDS
from haven.auth.models import PasswordReset, TotpCredential, User
from haven.auth.sessions import end_sessions
from haven.auth.users import normalise_email
from haven.core import audit, clock
from haven.core.errors import Conflict, NotFound, Unauthorized, Unprocessable, field_error
from haven.core.security import (
    Principal,
    hash_password,
    new_secret,
    sha256_hex,
    verify_password,
)
from haven.core.settings import get_settings

MIN_LENGTH = 12
MAX_LENGTH = 128


class PasswordRefused(Unprocessable):
    type, title = "password-refused", "Choose another password"

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, errors=[field_error(field, message)])


def check_new_password(password: str, *, email: str, field: str = "new_password") -> None:
    """Refuse (422, on ``field``) a password the policy does not allow."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(f"Use at least {MIN_LENGTH} characters.", field)
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(f"Use at most {MAX_LENGTH} characters.", field)
    lowered = password.strip().lower()
    address = normalise_email(email)
    if lowered in COMMON_PASSWORDS or lowered in (address, address.split("@", 1)[0]):
        raise PasswordRefused(
            "This password is too easy to guess: it is on a list of common passwords or "
            "is your email. A few unrelated words make a strong one.",
            field,
        )
    if len(set(password)) == 1:
        raise PasswordRefused("Use more than one character, repeated.", field)


def _void_resets(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        sa.update(PasswordReset)
        .where(col(PasswordReset.user_id) == user_id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def _set_password(session: Session, user: User, password: str) -> None:
    # Not an edit an administrator's If-Match refers to: past the ORM's versioned UPDATE.
    now = clock.now()
    session.execute(
        sa.update(User)
        .where(col(User.id) == user.id)
        .values(password_hash=hash_password(password), password_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(user, ["password_hash", "password_changed_at"])
    _void_resets(session, user.id, now)
    end_sessions(session, user.id)


class WrongPassword(Unauthorized):
    type, title = "wrong-password", "The current password is not right"
    commit_anyway = True

    def __init__(self) -> None:
        super().__init__(
            "The current password is not right.",
            errors=[field_error("current_password", "Not your current password.")],
        )


def change_password(
    session: Session, principal: Principal, *, current_password: str, new_password: str
) -> User:
    """The signed-in person changes their own password; every session of theirs ends (the
    caller is given a new one)."""
    user = session.get(User, principal.id)
    if user is None or not user.is_active or user.password_hash is None:
        raise NotFound("No such user.")
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword()
    check_new_password(new_password, email=user.email)
    if new_password == current_password:
        raise PasswordRefused("Choose a password other than the current one.", "new_password")
    _set_password(session, user, new_password)
    audit.record_event(
        session, principal, action="user.password_changed", object_type="user", object_id=user.id
    )
    return user


def email_of(session: Session, principal: Principal) -> str:
    """The signed-in person's email (what their sign-in delays are keyed by)."""
    user = session.get(User, principal.id)
    if user is None:
        raise NotFound("No such user.")
    return user.email


@dataclass(frozen=True)
class ResetLink:
    """What the router emails: never stored in this form (the token only as SHA-256)."""

    email: str
    display_name: str
    token: str
    expires_at: datetime


def start_password_reset(session: Session, actor: Principal, *, user_id: uuid.UUID) -> ResetLink:
    """An administrator asks for a reset link to be emailed to the person (earlier links of
    theirs stop working)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if not user.is_active:
        raise Conflict("This account is deactivated: reactivate it first.")
    now = clock.now()
    _void_resets(session, user.id, now)
    token = new_secret(32)
    expires_at = now + timedelta(minutes=get_settings().auth.password_reset_minutes)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=sha256_hex(token),
            requested_by_id=actor.user_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    audit.record_event(
        session, actor, action="user.password_reset_sent", object_type="user", object_id=user.id
    )
    return ResetLink(user.email, user.display_name, token, expires_at)


class ResetLinkInvalid(Unprocessable):
    type, title = "reset-link-invalid", "This reset link does not work"

    def __init__(self) -> None:
        super().__init__(
            "This link has expired or has already been used. Ask an administrator for a new one."
        )


def finish_password_reset(session: Session, *, token: str, new_password: str) -> None:
    """Set a new password with a reset link's token: once, before it expires."""
    row = session.exec(
        select(PasswordReset).where(col(PasswordReset.token_hash) == sha256_hex(token))
    ).first()
    now = clock.now()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ResetLinkInvalid()
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise ResetLinkInvalid()
    check_new_password(new_password, email=user.email)
    # Claim the link atomically: of two racing uses only one sets a password.
    claimed = session.execute(
        sa.update(PasswordReset)
        .where(col(PasswordReset.id) == row.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ResetLinkInvalid()
    _set_password(session, user, new_password)
    _clear_delays(session, user.id)
    # The holder of the link acts as the person it was sent to.
    audit.record_event(
        session,
        Principal(kind="user", id=user.id),
        action="user.password_reset",
        object_type="user",
        object_id=user.id,
    )


def _clear_delays(session: Session, user_id: uuid.UUID) -> None:
    session.execute(
        sa.update(User)
        .where(col(User.id) == user_id)
        .values(sign_in_delay_epoch=User.sign_in_delay_epoch + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(TotpCredential)
        .where(col(TotpCredential.user_id) == user_id)
        .values(failures=0, blocked_until=None)
        .execution_options(synchronize_session=False)
    )


def unlock_sign_in(session: Session, actor: Principal, *, user_id: uuid.UUID) -> None:
    """Clear the person's sign-in delays (password and second factor) in every process."""
    if session.get(User, user_id) is None:
        raise NotFound("No such user.")
    _clear_delays(session, user_id)
    audit.record_event(
        session, actor, action="user.sign_in_unlocked", object_type="user", object_id=user_id
    )


def sign_in_delay_subject(session: Session, email: str) -> bytes:
    """What one client's failed sign-ins to one account are counted under, with the client:
    the email's hash (an unknown email counts exactly like an account) and the account's
    delay epoch (an unlock starts a new count everywhere)."""
    address = normalise_email(email)
    epoch = session.execute(
        sa.select(col(User.sign_in_delay_epoch)).where(col(User.email) == address)
    ).scalar()
    return f"{sha256_hex(address)}:{epoch or 0}".encode()
