"""The second factor: time-based one-time passwords (TOTP, RFC 6238, through ``pyotp``).

**Who is asked.** Anyone who has enrolled an authenticator is asked for a code after their
password. Privileged roles (:data:`haven.auth.policy.PRIVILEGED_ROLES`: admin, auditor,
safety_officer, support_coordinator, department_lead) must enrol when
``HAVEN_AUTH_TOTP_REQUIRED`` holds (by default in production only, so the demo and the
browser tests sign in with a password alone): their password step ends in an enrolment
instead of a session. Only password sign-in is concerned; a hospital's identity provider
(single sign-on) does its own.

**Two steps.** A right password for such a person answers 401 with a problem
(``second-factor-required``, or ``second-factor-enrolment-required``) that carries a
``challenge``: a token Haven signs for itself, valid ``HAVEN_AUTH_SIGN_IN_CHALLENGE_MINUTES``
(5), naming the person, the step, and a fingerprint of their password hash (a password
changed meanwhile voids it). The second step sends the challenge and a code (or a recovery
code) and gets the session. A challenge alone is worth nothing without a code. Residual risk,
by design: the first enrolment trusts the password, so whoever holds the password of a
privileged account that has not enrolled yet can enrol their own authenticator; the audit
log records ``user.totp_enrolled``, and the person then finds they cannot sign in.

**Enrolment** makes a 160-bit secret and shows it once, as an ``otpauth://`` URI (the web
client draws it as a QR code) and as text; it is confirmed by a first code, and then ten
recovery codes (80 random bits each, stored as SHA-256, each usable once) are shown once.
The secret is stored sealed (AES-256-GCM, the person's id as associated data) under
``HAVEN_AUTH_TOTP_KEY`` or, when unset, a key derived from ``HAVEN_SECRET_KEY`` (then
rotating that key voids every enrolment); it is never returned after enrolment.

**Replay and guessing.** Codes of the previous, current and next 30-second step are
accepted (clock drift); the step of the last accepted code is stored and only a later step
is accepted after it (RFC 6238 5.2), so a code, or an older one, never works twice, in any
process. Wrong codes are counted per person in the database (every process sees them): 5
are free, then each waits 30 seconds, doubling, up to an hour. Only someone who knows the
password reaches this step, so the delay is no lever against the person; an administrator's
unlock clears it. Lost authenticator and recovery codes: the operator's ``haven users
reset-totp`` (the break-glass path, like ``haven create-user``); no administrator can remove
another person's second factor through the API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

import pyotp
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session, col

from haven.auth.models import TotpCredential, TotpRecoveryCode, User
from haven.auth.policy import PRIVILEGED_ROLES
from haven.auth.roles import roles_of
from haven.core import audit, clock
from haven.core.errors import Conflict, TooManyRequests, Unauthorized, field_error
from haven.core.security import (
    Principal,
    decode_signed_claims,
    encode_token,
    sha256_hex,
    signing_key,
)
from haven.core.settings import Environment, get_settings

ISSUER = "Haven"
RECOVERY_CODE_COUNT = 10
FREE_FAILURES = 5
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
CHALLENGE_AUDIENCE = "haven-sign-in"
CHALLENGE_TYPE = "sign_in_challenge"
_SEAL_PREFIX = "v1."


class Step(StrEnum):
    """What a right password leads to."""

    session = "session"
    code = "code"  # enrolled: a code is asked
    enrol = "enrol"  # must enrol first


def is_required(roles: set[str] | frozenset[str]) -> bool:
    settings = get_settings()
    required = settings.auth.totp_required
    if required is None:
        required = settings.env is Environment.production
    return required and any(role in PRIVILEGED_ROLES for role in roles)


def _confirmed(session: Session, user_id: uuid.UUID) -> TotpCredential | None:
    row = session.get(TotpCredential, user_id)
    return row if row is not None and row.confirmed_at is not None else None


def next_step(session: Session, user: User) -> Step:
    if _confirmed(session, user.id) is not None:
        return Step.code
    return Step.enrol if is_required(set(roles_of(session, user.id))) else Step.session


# --- sealing the secret --------------------------------------------------------------------


@lru_cache(maxsize=4)
def _derive(material: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"haven.auth.totp-secret.v1"
    ).derive(material.encode())


def _key() -> bytes:
    configured = get_settings().auth.totp_key
    return _derive(configured.get_secret_value() if configured is not None else signing_key())


def _seal(user_id: uuid.UUID, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, secret.encode(), user_id.bytes)
    return _SEAL_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


class SecondFactorUnavailable(Conflict):
    type, title = "second-factor-unavailable", "The authenticator cannot be checked"

    def __init__(self) -> None:
        super().__init__(
            "Haven cannot read this account's authenticator (its key has changed). Use a "
            "recovery code, or ask the operator to reset the second factor."
        )


def _open(row: TotpCredential) -> str:
    try:
        raw = base64.urlsafe_b64decode(row.secret_sealed.removeprefix(_SEAL_PREFIX))
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], row.user_id.bytes).decode()
    except (InvalidTag, ValueError) as exc:
        raise SecondFactorUnavailable() from exc


# --- the sign-in challenge -----------------------------------------------------------------


def _password_fingerprint(user: User) -> str:
    return sha256_hex(user.password_hash or "")[:16]


def issue_challenge(user: User, step: Step) -> tuple[str, int]:
    """The token that carries a right password over to the code step."""
    lifetime = timedelta(minutes=get_settings().auth.sign_in_challenge_minutes)
    token = encode_token(
        subject=str(user.id),
        audience=CHALLENGE_AUDIENCE,
        token_type=CHALLENGE_TYPE,
        lifetime=lifetime,
        extra={"step": step.value, "pwd": _password_fingerprint(user)},
    )
    return token, int(lifetime.total_seconds())


class ChallengeInvalid(Unauthorized):
    type, title = "sign-in-challenge-invalid", "Sign in again"

    def __init__(self) -> None:
        super().__init__("This sign-in has expired. Enter your email and password again.")


def user_for_challenge(session: Session, challenge: str, step: Step) -> User:
    try:
        claims: dict[str, Any] = decode_signed_claims(
            challenge, audience=CHALLENGE_AUDIENCE, token_type=CHALLENGE_TYPE
        )
        user_id = uuid.UUID(str(claims.get("sub")))
    except (Unauthorized, ValueError) as exc:
        raise ChallengeInvalid() from exc
    user = session.get(User, user_id)
    if (
        user is None
        or not user.is_active
        or claims.get("step") != step.value
        or not hmac.compare_digest(str(claims.get("pwd")), _password_fingerprint(user))
    ):
        raise ChallengeInvalid()
    return user


# --- enrolment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


def start_enrolment(session: Session, user: User) -> Enrolment:
    """A new secret, shown this once; it works once confirmed with a first code."""
    existing = session.get(TotpCredential, user.id)
    if existing is not None and existing.confirmed_at is not None:
        raise Conflict("An authenticator is already set up for this account.")
    secret = pyotp.random_base32()
    now = clock.now()
    if existing is None:
        existing = TotpCredential(user_id=user.id, secret_sealed="", created_at=now)
    existing.secret_sealed = _seal(user.id, secret)
    existing.created_at = now
    existing.last_used_step = None
    existing.failures = 0
    existing.blocked_until = None
    session.add(existing)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret=secret, otpauth_uri=uri)


def _new_recovery_codes(session: Session, user_id: uuid.UUID) -> list[str]:
    session.execute(sa.delete(TotpRecoveryCode).where(col(TotpRecoveryCode.user_id) == user_id))
    now = clock.now()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(os.urandom(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
        session.add(
            TotpRecoveryCode(user_id=user_id, code_hash=_recovery_hash(raw), created_at=now)
        )
    return codes


def _recovery_hash(normalised: str) -> str:
    return hashlib.sha256(f"haven-recovery:{normalised}".encode()).hexdigest()


def confirm_enrolment(session: Session, user: User, *, code: str) -> list[str]:
    """Confirm the pending secret with a first code; returns the recovery codes (shown once)."""
    row = session.get(TotpCredential, user.id)
    if row is None or row.confirmed_at is not None:
        raise Conflict("There is no authenticator waiting for confirmation; start again.")
    _check_code(session, row, code, field="code")
    row = session.get(TotpCredential, user.id)
    assert row is not None
    row.confirmed_at = clock.now()
    session.add(row)
    codes = _new_recovery_codes(session, user.id)
    audit.record_event(
        session,
        Principal(kind="user", id=user.id),
        action="user.totp_enrolled",
        object_type="user",
        object_id=user.id,
    )
    return codes


# --- checking a code -----------------------------------------------------------------------


class CodeRefused(Unauthorized):
    type, title = "second-factor-refused", "That code did not work"
    commit_anyway = True  # the failure is counted even though the request fails

    def __init__(self, field: str) -> None:
        super().__init__(
            "That code did not work. Codes change every 30 seconds and work once.",
            errors=[field_error(field, "Not a valid code.")],
        )


class SecondFactorThrottled(TooManyRequests):
    type, title = "second-factor-throttled", "Too many wrong codes"

    def __init__(self, seconds: int) -> None:
        minutes = max(1, (seconds + 59) // 60)
        super().__init__(
            f"Too many wrong codes. Try again in {minutes} minute(s), or ask an administrator "
            "to unlock your account.",
            headers={"Retry-After": str(max(1, seconds))},
        )


def _normalise(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).lower()


def _throttle(row: TotpCredential, now: datetime) -> None:
    if row.blocked_until is not None and row.blocked_until > now:
        raise SecondFactorThrottled(int((row.blocked_until - now).total_seconds()) + 1)


def _count_failure(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    table = TotpCredential.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(table).where(table.c.user_id == user_id).values(failures=table.c.failures + 1)
    )
    failures = session.execute(
        sa.select(table.c.failures).where(table.c.user_id == user_id)
    ).scalar_one()
    excess = failures - FREE_FAILURES
    if excess >= 0:
        wait = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2**excess)
        session.execute(
            sa.update(table)
            .where(table.c.user_id == user_id)
            .values(blocked_until=now + timedelta(seconds=wait))
        )


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(int(now.timestamp()))
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _check_code(session: Session, row: TotpCredential, code: str, *, field: str) -> None:
    """Accept a current code once (stored step), or count a failure and refuse."""
    now = clock.now()
    _throttle(row, now)
    user_id = row.user_id
    step = _matching_step(_open(row), code, now) if code.isdigit() and len(code) == 6 else None
    claimed = 0
    if step is not None:
        table = TotpCredential.__table__  # type: ignore[attr-defined]
        claimed = session.execute(
            sa.update(table)
            .where(
                table.c.user_id == user_id,
                sa.or_(table.c.last_used_step.is_(None), table.c.last_used_step < step),
            )
            .values(last_used_step=step, failures=0, blocked_until=None)
        ).rowcount  # type: ignore[attr-defined]
    session.expire(row)
    if claimed != 1:
        _count_failure(session, user_id, now)
        raise CodeRefused(field)


def verify_second_factor(session: Session, user: User, *, code: str) -> None:
    """A code from the authenticator or an unused recovery code; anything else counts as a
    wrong guess."""
    row = _confirmed(session, user.id)
    if row is None:
        raise ChallengeInvalid()
    normalised = _normalise(code)
    if len(normalised) == 6 and normalised.isdigit():
        _check_code(session, row, normalised, field="code")
        return
    now = clock.now()
    _throttle(row, now)
    used = session.execute(
        sa.update(TotpRecoveryCode)
        .where(
            col(TotpRecoveryCode.user_id) == user.id,
            col(TotpRecoveryCode.code_hash) == _recovery_hash(normalised),
            col(TotpRecoveryCode.used_at).is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        _count_failure(session, user.id, now)
        raise CodeRefused("code")
    audit.record_event(
        session,
        Principal(kind="user", id=user.id),
        action="user.recovery_code_used",
        object_type="user",
        object_id=user.id,
    )


# --- what the person manages ---------------------------------------------------------------


@dataclass(frozen=True)
class TotpState:
    enrolled: bool
    required: bool
    recovery_codes_left: int
    enrolled_at: datetime | None


def state_of(session: Session, user_id: uuid.UUID) -> TotpState:
    row = _confirmed(session, user_id)
    left = session.execute(
        sa.select(sa.func.count())
        .select_from(TotpRecoveryCode)
        .where(col(TotpRecoveryCode.user_id) == user_id, col(TotpRecoveryCode.used_at).is_(None))
    ).scalar_one()
    return TotpState(
        enrolled=row is not None,
        required=is_required(set(roles_of(session, user_id))),
        recovery_codes_left=int(left) if row is not None else 0,
        enrolled_at=row.confirmed_at if row is not None else None,
    )


def regenerate_recovery_codes(session: Session, user: User, *, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), against a current code."""
    row = _confirmed(session, user.id)
    if row is None:
        raise Conflict("Set up an authenticator first.")
    _check_code(session, row, _normalise(code), field="code")
    codes = _new_recovery_codes(session, user.id)
    audit.record_event(
        session,
        Principal(kind="user", id=user.id),
        action="user.recovery_codes_replaced",
        object_type="user",
        object_id=user.id,
    )
    return codes


def remove(session: Session, actor: Principal | None, *, user_id: uuid.UUID) -> bool:
    """Remove the person's authenticator and recovery codes (they enrol again). True when
    there was one."""
    session.execute(sa.delete(TotpRecoveryCode).where(col(TotpRecoveryCode.user_id) == user_id))
    removed = session.execute(
        sa.delete(TotpCredential).where(col(TotpCredential.user_id) == user_id)
    ).rowcount  # type: ignore[attr-defined]
    if removed:
        audit.record_event(
            session, actor, action="user.totp_removed", object_type="user", object_id=user_id
        )
    return bool(removed)


def turn_off(session: Session, user: User, *, code: str) -> None:
    """The person removes their own authenticator, with a current code; refused (409) when
    their roles require one."""
    if is_required(set(roles_of(session, user.id))):
        raise Conflict("Your roles require a second factor: it cannot be turned off.")
    row = _confirmed(session, user.id)
    if row is None:
        raise Conflict("No authenticator is set up for this account.")
    _check_code(session, row, _normalise(code), field="code")
    remove(session, Principal(kind="user", id=user.id), user_id=user.id)


def reset_second_factor(session: Session, *, email: str) -> bool:
    """The operator's break-glass reset (``haven users reset-totp``): the person enrols again
    at their next sign-in (when their roles require it) or when they choose. False when the
    email names no account with an authenticator."""
    user_id = session.execute(
        sa.select(col(User.id)).where(col(User.email) == email.strip().lower())
    ).scalar()
    return user_id is not None and remove(session, None, user_id=user_id)
