"""Sign-in and sessions: the password check, the short-lived access token, and refresh
tokens (rotated on every use; a reused one revokes its whole family; sign-out revokes the
family).

How failed sign-ins are slowed (growing delays per client and per client and account, never
a lockout a stranger can cause): see :mod:`haven.auth` and :mod:`haven.auth.routes.sign_in`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth.models import RefreshToken, User
from haven.auth.principals import ACCESS_AUDIENCE
from haven.auth.users import normalise_email
from haven.core import clock
from haven.core.errors import Unauthorized
from haven.core.security import (
    burn_password_check,
    encode_token,
    hash_password,
    new_secret,
    password_needs_rehash,
    sha256_hex,
    verify_password,
)
from haven.core.settings import get_settings


class InvalidCredentials(Unauthorized):
    type, title = "invalid-credentials", "Sign-in failed"

    def __init__(self) -> None:
        super().__init__("The email or password is incorrect.")


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The person behind a correct email and password. A wrong password, an unknown email
    and a deactivated account get the same answer in the same time (an unknown email still
    costs an argon2 verification). The delays that slow guessing are the router's
    (per client and per client and account, in memory: see :mod:`haven.auth`)."""
    email = normalise_email(email)
    now = clock.now()
    user = session.exec(select(User).where(col(User.email) == email)).first()
    if user is None or user.password_hash is None:
        burn_password_check(password)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentials()
    fields: dict[str, object] = {"last_login_at": now}
    if password_needs_rehash(user.password_hash):
        fields["password_hash"] = hash_password(password)
    _set_security_fields(session, user, **fields)
    return user


def record_sign_in(session: Session, user: User) -> None:
    """Note a sign-in finished in a later step (after its second factor)."""
    _set_security_fields(session, user, last_login_at=clock.now())


def _set_security_fields(session: Session, user: User, **values: object) -> None:
    # Sign-in bookkeeping is not an edit of the user: it must not bump the version that an
    # administrator's If-Match refers to, so it bypasses the ORM's versioned UPDATE.
    session.execute(
        sa.update(User)
        .where(col(User.id) == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(user, list(values))


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str


def _new_access_token(user: User) -> tuple[str, int]:
    lifetime = timedelta(minutes=get_settings().auth.access_token_minutes)
    token = encode_token(
        subject=str(user.id),
        audience=ACCESS_AUDIENCE,
        token_type="access",
        lifetime=lifetime,
        # The session epoch: ending the person's sessions makes this token fail at once, in
        # every process (haven.auth.sessions).
        extra={"sep": user.session_epoch},
    )
    return token, int(lifetime.total_seconds())


def _new_refresh_token(session: Session, user_id: uuid.UUID, family_id: uuid.UUID) -> str:
    raw = new_secret(32)
    now = clock.now()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=sha256_hex(raw),
            created_at=now,
            expires_at=now + timedelta(days=get_settings().auth.refresh_token_days),
        )
    )
    return raw


def issue_tokens(session: Session, user: User) -> IssuedTokens:
    access, expires_in = _new_access_token(user)
    refresh = _new_refresh_token(session, user.id, uuid.uuid4())
    return IssuedTokens(access, expires_in, refresh)


class RefreshRejected(Unauthorized):
    type, title = "refresh-rejected", "Session expired"
    commit_anyway = True  # a detected reuse revokes the family even though the request fails

    def __init__(self) -> None:
        super().__init__("The session has expired or was signed out. Sign in again.")


def rotate_refresh_token(session: Session, *, raw_token: str | None) -> IssuedTokens:
    """Exchange a refresh token for new tokens; reusing an old one revokes its whole family."""
    if not raw_token:
        raise RefreshRejected()
    stored = session.exec(
        select(RefreshToken).where(col(RefreshToken.token_hash) == sha256_hex(raw_token))
    ).first()
    if stored is None:
        raise RefreshRejected()
    now = clock.now()
    if stored.used_at is not None or stored.revoked_at is not None:
        _revoke_family(session, stored.family_id, now)
        raise RefreshRejected()
    if stored.expires_at <= now:
        raise RefreshRejected()
    user = session.get(User, stored.user_id)
    if user is None or not user.is_active:
        _revoke_family(session, stored.family_id, now)
        raise RefreshRejected()
    # Claim the token atomically: of two racing refreshes only one wins.
    claimed = session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        _revoke_family(session, stored.family_id, now)
        raise RefreshRejected()
    access, expires_in = _new_access_token(user)
    refresh = _new_refresh_token(session, user.id, stored.family_id)
    return IssuedTokens(access, expires_in, refresh)


def _revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke_session(session: Session, *, raw_token: str | None) -> None:
    """Sign out: revoke the presented refresh token's family. Unknown tokens are ignored."""
    if not raw_token:
        return
    stored = session.exec(
        select(RefreshToken).where(col(RefreshToken.token_hash) == sha256_hex(raw_token))
    ).first()
    if stored is not None:
        _revoke_family(session, stored.family_id, clock.now())
